% rebase('base.tpl', title='付款')
<div class="table-wrap">
<table class="totals">
<thead><tr><th>状态</th><th class="num">笔数</th><th class="num">金额（元）</th></tr></thead>
<tbody>
% for s, n, t in totals:
<tr data-id="{{s}}"><td>{{labels[s]}}</td><td class="num" data-field="count">{{n}}</td><td class="num" data-field="total">{{money(t)}}</td></tr>
% end
<tr class="total"><td>合计</td><td class="num">{{sum(n for _, n, _ in totals)}}</td><td class="num">{{money(sum(t for _, _, t in totals))}}</td></tr>
</tbody>
</table>
</div>
<h2>付款记录</h2>
<form method="get" action="/console/payments" class="filters">
  <label>状态
  <select name="status">
    <option value="">全部</option>
    % for s in labels:
    <option value="{{s}}"{{!' selected' if s == chosen else ''}}>{{labels[s]}}</option>
    % end
  </select></label>
  <button type="submit" class="secondary">筛选</button>
</form>
% if not rows:
<p>还没有付款记录。</p>
% else:
<p data-field="filtered">{{labels[chosen] if chosen else '全部'}} {{count}} 笔，{{money(total_fen)}} 元，最新在前。</p>
<div class="table-wrap">
<table class="payments">
<thead><tr><th>订单号</th><th>付款人</th><th>小组</th><th class="num">金额（元）</th><th>说明</th><th>状态</th><th>方式</th><th>创建</th><th>支付</th></tr></thead>
<tbody>
% for r in rows:
<tr data-id="{{r['id']}}"><td class="code">{{r['out_trade_no']}}</td><td>{{r['name']}}</td><td>{{r['group_name'] or ''}}</td><td class="num">{{money(r['amount_fen'])}}</td><td>{{r['note']}}</td><td>{{labels[r['status']]}}{{'（' + r['status_reason'] + '）' if r['status'] == 'abnormal' and r['status_reason'] else ''}}</td><td>{{providers.get(r['provider'], r['provider'])}}</td><td>{{r['when']}}</td><td>{{r['paid_when']}}</td></tr>
% end
</tbody>
</table>
</div>
% include('pager.tpl')
% end
