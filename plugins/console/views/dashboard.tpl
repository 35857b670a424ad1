% rebase('base.tpl', title='概览')
<section class="cards">
  <div class="card"><div class="label">全中心未报销</div><div class="big" data-field="centre-open">{{money(centre_fen)}} 元</div><div class="sub">{{centre_count}} 笔</div></div>
  <div class="card"><div class="label">本季度（{{quarter}}）</div><div class="big" data-field="quarter-total">{{money(quarter_fen)}} 元</div><div class="sub">未报销 + 已报销</div></div>
  % if with_quota:
  <div class="card"><div class="label">本季度额度</div><div class="big" data-field="quota-used">{{money(used_fen)}} / {{money(allowance_fen)}} 元</div><div class="sub" data-field="quota-left">已用 / 额度；{{'剩余 ' + money(allowance_fen - used_fen) + ' 元' if used_fen <= allowance_fen else '超出 ' + money(used_fen - allowance_fen) + ' 元'}}{{'，%d 个小组超出' % over_teams if over_teams else ''}}</div></div>
  % end
  <div class="card"><div class="label">待审核注册</div><div class="big" data-field="pending">{{pending}}</div><div class="sub">{{!'<a href="/console/people">去审核</a>' if visitor.is_('admin') else '管理员在“人员”页审核'}}</div></div>
</section>
<h2>各小组</h2>
<div class="table-wrap">
<table class="summary">
<thead><tr><th>小组</th><th class="num">未报销（元）</th><th class="num">笔数</th><th class="num">本季度（元）</th>
% if with_quota:
<th class="num">额度（元）</th><th class="num">剩余（元）</th><th>人数</th>
% end
</tr></thead>
<tbody>
% for t in teams:
<tr data-id="{{t['group_id']}}"><td class="who">{{t['group_name']}}</td><td class="num" data-label="未报销（元）">{{money(t['total_fen'])}}</td><td class="num" data-label="笔数">{{t['count']}}</td><td class="num" data-label="本季度（元）" data-field="used">{{money(t['quarter_fen'])}}</td>
% if with_quota:
% q = t['quota']
% if q:
<td class="num" data-label="额度（元）" data-field="allowance">{{money(q.allowance_fen)}}</td><td class="num{{' over' if q.over_fen else ''}}" data-label="剩余（元）" data-field="left">{{money(q.left_fen)}}</td><td data-label="人数" data-field="basis">{{q.basis()}}</td>
% else:
<td class="num" data-label="额度（元）" data-field="allowance">不设额度</td><td class="num" data-label="剩余（元）" data-field="left"></td><td data-label="人数" data-field="basis"></td>
% end
% end
</tr>
% end
</tbody>
</table>
</div>
% if teams:
<h2>未报销金额（按小组）</h2>
<img class="chart" src="/console/chart/open.svg" alt="各小组未报销金额">
% end
<h2>报表与备份</h2>
<ul class="plain">
% for label, row in (("最近的报表", last_report), ("最近的备份", last_backup)):
  <li>{{label}}：
  % if row:
  {{row['name']}}，{{row['state']}}{{'，' + row['when'] if row['when'] else ''}}
  % else:
  还没有
  % end
  </li>
% end
</ul>
<h2>通知（近 {{pushes['days']}} 天）</h2>
<ul class="plain" data-field="pushes">
  <li>客服消息：送达 <span data-field="custom-sent">{{pushes['custom']['sent']}}</span>，失败 <span data-field="custom-failed">{{pushes['custom']['failed']}}</span></li>
  <li>模板消息：送达 <span data-field="template-sent">{{pushes['template']['sent']}}</span>，失败 <span data-field="template-failed">{{pushes['template']['failed']}}</span></li>
  <li>未发出（已过客服消息时限，且没有模板）：<span data-field="skipped">{{pushes['skipped']}}</span>{{'，待发送 %d' % pushes['pending'] if pushes['pending'] else ''}}</li>
</ul>
