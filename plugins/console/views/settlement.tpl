% rebase('base.tpl', title='确认撤销结算 #%d' % info['id'] if confirm else '结算 #%d' % info['id'])
<p><a href="/console/settlements">← 结算</a></p>
% if confirm:
<p data-field="confirm">将撤销结算 #{{info['id']}}（{{info['group_name']}}，{{info['record_count']}} 笔，{{money(info['total_fen'])}} 元，{{info['admin_name']}} 于 {{info['when']}} 结算）：这些记录恢复为未报销，并通知垫付人。</p>
<form method="post" action="/console/settlements/{{info['id']}}" class="act">
  <input type="hidden" name="csrf" value="{{visitor.csrf}}">
  <button type="submit" name="action" value="confirm" class="danger">确认撤销</button>
  <a href="/console/settlements/{{info['id']}}">取消</a>
</form>
% end
<section class="cards">
  <div class="card"><div class="label">{{info['group_name']}}</div><div class="big" data-field="total">{{money(info['total_fen'])}} 元</div><div class="sub"><span data-field="count">{{info['record_count']}}</span> 笔</div></div>
  <div class="card"><div class="label">经办</div><div>{{info['admin_name']}}</div><div class="sub">{{info['when']}}</div></div>
  <div class="card"><div class="label">状态</div>
  % if info['status'] == 'reversed':
  <div data-field="status">已撤销</div><div class="sub">{{info['reversed_name']}}，{{info['reversed_when']}}</div>
  % else:
  <div data-field="status">有效</div>
  % end
  </div>
</section>
% if can_act and not confirm:
<form method="post" action="/console/settlements/{{info['id']}}" class="act">
  <input type="hidden" name="csrf" value="{{visitor.csrf}}">
  <button type="submit" name="action" value="reverse" class="danger">撤销这次结算</button>
</form>
% end
<h2>按垫付人</h2>
<div class="table-wrap">
<table class="organisers">
<thead><tr><th>垫付人</th><th class="num">笔数</th><th class="num">金额（元）</th></tr></thead>
<tbody>
% for o in organisers:
<tr><td>{{o['name']}}</td><td class="num">{{o['count']}}</td><td class="num">{{money(o['total_fen'])}}</td></tr>
% end
</tbody>
</table>
</div>
<h2>记录</h2>
<div class="table-wrap">
<table class="items">
<thead><tr><th>记录号</th><th>日期</th><th>垫付人</th><th class="num">金额（元）</th><th>说明</th></tr></thead>
<tbody>
% for r in records:
<tr data-id="{{r['id']}}"><td>#{{r['id']}}</td><td>{{r['spent_on']}}</td><td>{{r['name']}}</td><td class="num">{{money(r['amount_fen'])}}</td><td>{{r['note']}}</td></tr>
% end
</tbody>
</table>
</div>
% include('pager.tpl')
