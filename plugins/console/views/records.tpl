% rebase('base.tpl', title='记录')
<form method="get" action="/console/records" class="filters records">
  <label>文字<input type="search" name="q" value="{{filters['q']}}" maxlength="100" placeholder="说明、姓名或 #编号"></label>
  <label>小组<select name="team">
    <option value="">全部小组</option>
    % for t in teams:
    <option value="{{t['id']}}"{{!' selected' if filters['team'] == str(t['id']) else ''}}>{{t['name']}}</option>
    % end
  </select></label>
  <label>组员<input type="text" name="member" value="{{filters['member']}}" maxlength="100" placeholder="姓名（完全一致）"></label>
  <label>状态<select name="status">
    <option value="">全部状态</option>
    % for s in statuses:
    <option value="{{s}}"{{!' selected' if filters['status'] == s else ''}}>{{status_text[s]}}</option>
    % end
  </select></label>
  <label>消费日期从<input type="date" name="from" value="{{filters['from']}}"></label>
  <label>到<input type="date" name="to" value="{{filters['to']}}"></label>
  <button type="submit">筛选</button>
  <a href="/console/records" class="reset">清除筛选</a>
</form>
% if figures is not None:
% counted = figures['open']['count'] + figures['settled']['count']
% counted_fen = figures['open']['fen'] + figures['settled']['fen']
<section class="cards totals">
  <div class="card" data-field="total" data-fen="{{counted_fen}}" data-count="{{counted}}"><div class="label">合计（未报销 + 已报销）</div><div class="big">{{money(counted_fen)}} 元</div><div class="sub">{{counted}} 笔</div></div>
  % for s in ('open', 'settled'):
  <div class="card" data-field="{{s}}" data-fen="{{figures[s]['fen']}}" data-count="{{figures[s]['count']}}"><div class="label">其中{{status_text[s]}}</div><div class="big">{{money(figures[s]['fen'])}} 元</div><div class="sub">{{figures[s]['count']}} 笔</div></div>
  % end
  <div class="card void" data-field="void" data-fen="{{figures['void']['fen']}}" data-count="{{figures['void']['count']}}"><div class="label">已作废（不计入合计）</div><div class="big">{{money(figures['void']['fen'])}} 元</div><div class="sub">{{figures['void']['count']}} 笔</div></div>
</section>
% if quota is not None:
<p class="quota" data-field="quota" data-allowance="{{quota.allowance_fen}}" data-used="{{quota.used_fen}}" data-left="{{quota.left_fen}}">{{quota.group_name}}：{{quota.line(quota.quarter + ' ')}}（不论上面的筛选，按消费日期计本季度的未报销 + 已报销）</p>
% end
<p class="tools"><a href="{{export_url}}" class="button" download>导出 Excel（筛选出的全部 {{counted + figures['void']['count']}} 笔）</a></p>
% if not records:
<p>没有符合条件的记录。</p>
% else:
<div class="table-wrap">
<table class="records">
<thead><tr><th>编号</th><th>消费日期</th><th>组员</th><th>小组</th><th class="num">金额（元）</th><th>说明</th><th>状态</th><th>结算</th><th>小票</th>{{!'<th>作废</th>' if can_void else ''}}</tr></thead>
<tbody>
% for r in records:
<tr data-id="{{r['id']}}"{{!' class="muted"' if r['status'] == 'void' else ''}}>
<td><a href="/console/records/{{r['id']}}">#{{r['id']}}</a></td><td class="date">{{r['spent_on']}}</td>
% if r['member']:
<td><a href="{{member_url(r['member'])}}">{{r['name']}}</a></td>
% else:
<td>{{r['name']}}</td>
% end
<td>{{r['group_name']}}</td><td class="num">{{money(r['amount_fen'])}}</td><td class="note">{{r['note']}}</td>
<td>{{status_text[r['status']]}}</td><td>{{'#' + str(r['settlement_id']) if r['settlement_id'] else ''}}</td>
<td class="receipts">
% include('thumbs.tpl')
</td>
% if can_void:
<td>
  % if r['status'] == 'open':
  <form method="post" action="{{here_url}}" class="act void">
    <input type="hidden" name="csrf" value="{{visitor.csrf}}">
    <input type="hidden" name="id" value="{{r['id']}}">
    <input type="text" name="reason" maxlength="100" required placeholder="原因（告诉记录人）" aria-label="作废 #{{r['id']}} 的原因">
    <button type="submit" name="action" value="void" class="danger">作废</button>
  </form>
  % end
</td>
% end
</tr>
% end
</tbody>
</table>
</div>
% include('pager.tpl')
% end
% end
