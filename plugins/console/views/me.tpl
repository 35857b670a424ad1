% rebase('base.tpl', title='我的')
<section class="cards">
  <div class="card"><div class="label">未报销</div><div class="big" data-field="my-open">{{money(totals['open_fen'])}} 元</div><div class="sub">{{totals['open_count']}} 笔</div></div>
  <div class="card"><div class="label">已报销</div><div class="big" data-field="my-settled">{{money(totals['settled_fen'])}} 元</div><div class="sub">{{totals['settled_count']}} 笔</div></div>
</section>
<h2>我的记录</h2>
% if not records:
<p>还没有记录。在公众号发送 1 金额 说明 记账。</p>
% else:
<div class="table-wrap">
<table>
<thead><tr><th>编号</th><th>日期</th><th class="num">金额（元）</th><th>说明</th><th>小组</th><th>状态</th><th>小票</th></tr></thead>
<tbody>
% for r in records:
<tr data-id="{{r['id']}}"><td><a href="/console/records/{{r['id']}}">#{{r['id']}}</a></td><td>{{r['spent_on']}}</td><td class="num">{{money(r['amount_fen'])}}</td><td>{{r['note']}}</td><td>{{r['group_name']}}</td><td>{{status_text[r['status']]}}</td><td class="receipts">
% include('thumbs.tpl')
</td></tr>
% end
</tbody>
</table>
</div>
% include('pager.tpl')
% end
<h2>我的结算</h2>
% if not settlements:
<p>还没有结算。</p>
% else:
<div class="table-wrap">
<table>
<thead><tr><th>结算号</th><th>小组</th><th class="num">我的笔数</th><th class="num">我的金额（元）</th><th>时间</th><th>状态</th></tr></thead>
<tbody>
% for s in settlements:
<tr data-id="{{s['id']}}"><td>#{{s['id']}}</td><td>{{s['group_name']}}</td><td class="num">{{s['count']}}</td><td class="num">{{money(s['total_fen'])}}</td><td>{{s['when']}}</td><td>{{'已撤销' if s['status'] == 'reversed' else '有效'}}</td></tr>
% end
</tbody>
</table>
</div>
% end
