% if confirm:
% rebase('base.tpl', title='确认结算')
<p>将结算（标记为已报销并通知垫付人）：</p>
<div class="table-wrap">
<table>
<thead><tr><th>小组</th><th class="num">笔数</th><th class="num">合计（元）</th><th class="num">最高记录号</th></tr></thead>
<tbody>
% for t in confirm['plan']:
<tr data-id="{{t['group_id']}}"><td>{{t['group_name']}}</td><td class="num" data-field="count">{{t['count']}}</td><td class="num" data-field="total">{{money(t['total_fen'])}}</td><td class="num" data-field="max-id">#{{t['max_id']}}</td></tr>
% end
% if confirm['every_team']:
<tr class="total"><td>共 {{len(confirm['plan'])}} 个小组</td><td class="num" data-field="count-all">{{confirm['count']}}</td><td class="num" data-field="total-all">{{money(confirm['total_fen'])}}</td><td></td></tr>
% end
</tbody>
</table>
</div>
% if not confirm['every_team']:
% team = confirm['plan'][0]
% if team['quarters']:
<p>按季度：{{'，'.join(q['quarter'] + ' ' + money(q['open_fen']) for q in team['quarters'])}}</p>
% end
<h2>按垫付人</h2>
<ul class="plain">
% for m in team['members']:
<li>{{m['name']}}：{{money(m['total_fen'])}} 元（{{m['count']}} 笔）</li>
% end
</ul>
% end
<p>确认后这些记录标记为已报销；如果此间有新记录或作废，不会结算任何记录。</p>
<form method="post" action="/console/settlements" class="act">
  <input type="hidden" name="csrf" value="{{visitor.csrf}}">
  <input type="hidden" name="team" value="{{confirm['target']}}">
  % for t in confirm['plan']:
  <input type="hidden" name="expect" value="{{t['group_id']}}:{{t['count']}}:{{t['total_fen']}}:{{t['max_id']}}">
  % end
  <button type="submit" name="action" value="confirm">确认结算 {{money(confirm['total_fen'])}} 元</button>
  <a href="/console/settlements">取消</a>
</form>
% else:
% rebase('base.tpl', title='结算')
<h2>待报销预览</h2>
<section class="cards">
  <div class="card"><div class="label">待报销合计</div><div class="big" data-field="open-total">{{money(open_fen)}} 元</div><div class="sub"><span data-field="open-count">{{open_count}}</span> 笔，{{open_teams}} 个小组</div></div>
  <div class="card"><div class="label">已结算（有效）</div><div class="big" data-field="settled-total">{{money(summary['total_fen'])}} 元</div><div class="sub">{{summary['n'] - summary['reversed']}} 次{{'，' + (group['name']) if group else ''}}</div></div>
</section>
<div class="table-wrap">
<table class="preview">
<thead><tr><th>小组</th><th class="num">待报销（元）</th><th class="num">笔数</th><th>按垫付人</th>{{!'<th>操作</th>' if can_act else ''}}</tr></thead>
<tbody>
% for t in teams:
<tr data-id="{{t['group_id']}}"{{!'' if t['count'] else ' class="muted"'}}><td>{{t['group_name']}}</td><td class="num" data-field="total">{{money(t['total_fen'])}}</td><td class="num" data-field="count">{{t['count']}}</td>
<td>
% if t['quarters']:
<div class="sub">按季度：{{'，'.join(q['quarter'] + ' ' + money(q['open_fen']) for q in t['quarters'])}}</div>
% end
% for m in t['members']:
<div>{{m['name']}}：{{money(m['total_fen'])}} 元（{{m['count']}} 笔）</div>
% end
</td>
% if can_act:
<td>
% if t['count']:
<form method="post" action="/console/settlements" class="inline">
  <input type="hidden" name="csrf" value="{{visitor.csrf}}">
  <input type="hidden" name="team" value="{{t['group_id']}}">
  <button type="submit" name="action" value="settle">结算</button>
</form>
% end
</td>
% end
</tr>
% end
</tbody>
</table>
</div>
% if can_act and open_count:
<form method="post" action="/console/settlements" class="act">
  <input type="hidden" name="csrf" value="{{visitor.csrf}}">
  <input type="hidden" name="team" value="all">
  <button type="submit" name="action" value="settle">结算全部小组（{{open_teams}} 个）</button>
</form>
% end
<h2>结算记录</h2>
<form method="get" action="/console/settlements" class="filters">
  <label>小组
  <select name="team">
    <option value="">全部小组</option>
    % for t in teams:
    <option value="{{t['group_id']}}"{{!' selected' if group and group['id'] == t['group_id'] else ''}}>{{t['group_name']}}</option>
    % end
  </select></label>
  <button type="submit" class="secondary">筛选</button>
</form>
% if not summary['n']:
<p>{{group['name'] + ' ' if group else ''}}还没有结算记录。</p>
% else:
<p data-field="history-summary">{{group['name'] + ' ' if group else ''}}结算 {{summary['n']}} 次，已报销合计 {{money(summary['total_fen'])}} 元{{'（另有 %d 次已撤销，单列在下面）' % summary['reversed'] if summary['reversed'] else ''}}，最新在前。</p>
% if active['rows']:
<div class="table-wrap">
<table class="history">
<thead><tr><th>结算号</th><th>小组</th><th class="num">笔数</th><th class="num">合计（元）</th><th>经办</th><th>时间</th></tr></thead>
<tbody>
% for s in active['rows']:
<tr data-id="{{s['id']}}"><td><a href="/console/settlements/{{s['id']}}">#{{s['id']}}</a></td><td>{{s['group_name']}}</td><td class="num">{{s['record_count']}}</td><td class="num" data-field="total">{{money(s['total_fen'])}}</td><td>{{s['admin_name']}}</td><td>{{s['when']}}</td></tr>
% end
</tbody>
</table>
</div>
% include('pager.tpl', page=active['page'], pages=active['pages'], page_url=active['url'])
% end
% if reversed['rows']:
<h2>已撤销的结算</h2>
<div class="table-wrap">
<table class="reversed">
<thead><tr><th>结算号</th><th>小组</th><th class="num">笔数</th><th class="num">合计（元）</th><th>经办</th><th>撤销</th></tr></thead>
<tbody>
% for s in reversed['rows']:
<tr data-id="{{s['id']}}" class="muted"><td><a href="/console/settlements/{{s['id']}}">#{{s['id']}}</a></td><td>{{s['group_name']}}</td><td class="num">{{s['record_count']}}</td><td class="num">{{money(s['total_fen'])}}</td><td>{{s['admin_name']}}，{{s['when']}}</td><td>{{s['reversed_name']}}，{{s['reversed_when']}}</td></tr>
% end
</tbody>
</table>
</div>
% include('pager.tpl', page=reversed['page'], pages=reversed['pages'], page_url=reversed['url'])
% end
% end
% end
