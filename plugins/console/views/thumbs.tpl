% # the 小票 cell of a list row: up to `shown` thumbnails, each linking to its image, then how many more and pending
% got = receipts.get(r['id'])
% if got:
<span class="thumbs">
  % for rid in got['stored'][:shown]:
  <a href="/console/receipts/{{rid}}" class="thumb"><img src="/console/receipts/{{rid}}/thumb" loading="lazy" alt="小票 #{{rid}}" width="30" height="30"></a>
  % end
  % if len(got['stored']) > shown:
  <a href="/console/records/{{r['id']}}" class="more" title="共 {{len(got['stored'])}} 张小票">+{{len(got['stored']) - shown}}</a>
  % end
  % if got['pending']:
  <a href="/console/records/{{r['id']}}" class="pending">待取回{{' %d 张' % got['pending'] if got['pending'] > 1 else ''}}</a>
  % end
</span>
% end
