% if pages > 1:
<nav class="pager">
  % if page > 1:
  <a href="{{page_url(page - 1)}}" rel="prev">上一页</a>
  % end
  <span>第 {{page}} / {{pages}} 页</span>
  % if page < pages:
  <a href="{{page_url(page + 1)}}" rel="next">下一页</a>
  % end
</nav>
% end
