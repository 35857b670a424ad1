% rebase('base.tpl', title='审计')
<form method="get" class="filters">
  <label>操作人
    <select name="actor">
      <option value="">全部</option>
      % for name, openid in actor_options:
      <option value="{{openid}}"{{!' selected' if openid == filters['actor'] else ''}}>{{name}}</option>
      % end
    </select>
  </label>
  <label>操作
    <select name="action">
      <option value="">全部</option>
      % for action in actions:
      <option value="{{action}}"{{!' selected' if action == filters['action'] else ''}}>{{action}}</option>
      % end
    </select>
  </label>
  <label>从 <input type="date" name="from" value="{{filters['from']}}"></label>
  <label>到 <input type="date" name="to" value="{{filters['to']}}"></label>
  <button type="submit">筛选</button>
  % if any(filters.values()):
  <a href="/console/audit">清除筛选</a>
  % end
</form>
% if not rows:
<p>没有符合条件的审计记录。</p>
% else:
<div class="table-wrap">
<table class="audit">
<thead><tr><th>时间</th><th>操作人</th><th>操作</th><th>对象</th><th>详情</th></tr></thead>
<tbody>
% for r in rows:
<tr data-id="{{r['id']}}"><td class="when">{{r['when']}}</td><td data-field="actor">{{r['actor_name']}}</td><td class="action" data-field="action">{{r['action']}}</td><td data-field="target">{{r['target_text']}}</td><td class="detail" data-field="detail">{{r['detail']}}</td></tr>
% end
</tbody>
</table>
</div>
% end
% if older_url or newer_url:
<nav class="pager">
  % if first_url:
  <a href="{{first_url}}" rel="first">最新</a>
  % end
  % if newer_url:
  <a href="{{newer_url}}" rel="prev">上一页（较新）</a>
  % end
  <span>第 {{page}} 页，每页 50 条</span>
  % if older_url:
  <a href="{{older_url}}" rel="next">下一页（较早）</a>
  % end
</nav>
% end
