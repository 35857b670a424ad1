% rebase('base.tpl', title='抽奖')
<section class="cards">
  % for s, label in labels.items():
  <div class="card" data-id="{{s}}"><div class="label">{{label}}</div><div class="big" data-field="count">{{by_state.get(s, 0)}}</div></div>
  % end
</section>
<h2>抽奖列表</h2>
<form method="get" action="/console/lotteries" class="filters">
  <label>状态
  <select name="status">
    <option value="">全部</option>
    % for s, label in labels.items():
    <option value="{{s}}"{{!' selected' if s == state else ''}}>{{label}}</option>
    % end
  </select></label>
  <button type="submit" class="secondary">筛选</button>
</form>
% if not rows:
<p>还没有抽奖。在公众号发送 84 标题 开奖时间 奖品x数量 发起。</p>
% else:
<p>{{labels[state] if state else '全部'}} {{count}} 个，最新在前。</p>
<div class="table-wrap">
<table class="lotteries">
<thead><tr><th>编号</th><th>标题</th><th>状态</th><th>开奖</th><th>奖品</th><th class="num">参加</th><th>中奖</th><th>公平性</th></tr></thead>
<tbody>
% for r in rows:
<tr data-id="{{r['id']}}"><td>#{{r['id']}}</td><td>{{r['title']}}<div class="sub">{{r['creator']}} 发起</div></td>
<td data-field="state">{{labels[r['state']]}}</td>
<td>
% if r['state'] == 'OPENED':
{{r['drawn_when']}}
% elif r['state'] == 'CANCELED':
已取消 {{r['canceled_when']}}
% else:
{{r['draw_when']}}{{'（或满 %d 人）' % r['early_n'] if r['early_n'] else ''}}
% end
</td>
<td>{{r['prizes_text']}}</td><td class="num" data-field="joined">{{r['joined']}}</td>
<td class="winners">
% for prize, people in r['by_prize']:
<div>{{prize}}：{{'、'.join(people)}}</div>
% end
% if r['winner_count'] > shown_most:
<div class="sub">……共 {{r['winner_count']}} 人中奖，完整名单见报表“抽奖记录”表</div>
% end
% if r['state'] == 'OPENED' and not r['winner_count']:
<div class="sub">没有人参加，奖品都未抽出。</div>
% elif r['unawarded'] > 0:
<div class="sub">{{r['unawarded']}} 份奖品未抽出</div>
% end
</td>
<td><div class="sub">承诺 sha256</div><code class="hash" data-field="commitment">{{r['commitment']}}</code>
% if r['public_seed']:
<div class="sub">种子</div><code class="hash" data-field="seed">{{r['public_seed']}}</code>
% end
</td></tr>
% end
</tbody>
</table>
</div>
% include('pager.tpl')
% end
