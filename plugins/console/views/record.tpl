% rebase('base.tpl', title='记录 #%d' % record['id'])
<p><a href="{{back[0]}}">← {{back[1]}}</a></p>
<section class="cards">
  <div class="card"><div class="label">金额</div><div class="big" data-field="amount" data-fen="{{record['amount_fen']}}">{{money(record['amount_fen'])}} 元</div><div class="sub">{{record['note']}}</div></div>
  <div class="card"><div class="label">状态</div><div data-field="status">{{status_text.get(record['status'], record['status'])}}</div>
  % if record['status'] == 'settled' and record['settlement_id']:
  <div class="sub">结算 {{!'<a href="/console/settlements/%d">#%d</a>' % (record['settlement_id'], record['settlement_id']) if visitor.staff else '#%d' % record['settlement_id']}}</div>
  % elif record['status'] == 'void':
  <div class="sub" data-field="voided">{{record['voided_name']}}于 {{record['voided']}} 作废{{'：' + record['reason'] if record['reason'] else ''}}</div>
  % end
  </div>
</section>
<div class="table-wrap">
<table class="fields">
<tbody>
<tr><th>编号</th><td>#{{record['id']}}</td></tr>
<tr><th>消费日期</th><td data-field="spent_on">{{record['spent_on']}}</td></tr>
<tr><th>记录时间</th><td>{{record['recorded']}}</td></tr>
<tr><th>垫付人</th><td data-field="name">{{record['name']}}</td></tr>
<tr><th>小组</th><td>{{record['group_name']}}</td></tr>
<tr><th>说明</th><td class="note">{{record['note']}}</td></tr>
% if record['settlement_id']:
<tr><th>结算批次</th><td>#{{record['settlement_id']}}</td></tr>
% end
</tbody>
</table>
</div>
<h2>小票</h2>
% if not stored and not pending:
<p data-field="no-receipts">这条记录还没有小票。{{'在公众号发送 7 %d 小票，再发一张图片即可附上。' % record['id'] if record['openid'] == visitor.openid and record['status'] == 'open' else ''}}</p>
% else:
<p class="sub" data-field="receipt-count">{{len(stored)}} 张{{'，另有 %d 张待取回（图片还没有从微信取回，稍后会自动重试）' % len(pending) if pending else ''}}</p>
<ul class="receipts">
  % for r in stored:
  <li data-id="{{r['id']}}"><a href="/console/receipts/{{r['id']}}"><img src="/console/receipts/{{r['id']}}/thumb" loading="lazy" alt="小票 #{{r['id']}}"></a></li>
  % end
  % for r in pending:
  <li data-id="{{r['id']}}" class="pending"><span>待取回</span></li>
  % end
</ul>
% end
% if failed:
<div class="problem failed-receipts" data-field="failed-receipts">
  % for reason, n in failed:
  <p>{{n}} 张小票没能取回（{{reason}}）。</p>
  % end
  <p>{{resend}}</p>
</div>
% end
