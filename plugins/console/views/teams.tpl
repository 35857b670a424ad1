% rebase('base.tpl', title='小组')
<section class="cards">
  <div class="card"><div class="label">小组</div><div class="big" data-field="teams">{{len(teams)}}</div><div class="sub">{{sum(t['members'] for t in teams)}} 名组员</div></div>
  <div class="card"><div class="label">全中心未报销</div><div class="big" data-field="centre-open">{{money(open_fen)}} 元</div><div class="sub">{{open_count}} 笔</div></div>
</section>
<h2>新建小组</h2>
<form method="post" action="/console/teams" class="act">
  <input type="hidden" name="csrf" value="{{visitor.csrf}}">
  <label>组名<input type="text" name="name" value="{{new_name}}" maxlength="20" required placeholder="例如 研发三组"></label>
  <button type="submit" name="action" value="create">新建</button>
</form>
<h2>全部小组</h2>
% if not teams:
<p>还没有小组。</p>
% else:
<div class="table-wrap">
<table class="teams">
<thead><tr><th>小组</th><th class="num">组员</th><th class="num">待审核</th><th class="num">未报销（元）</th><th class="num">笔数</th><th>改名</th></tr></thead>
<tbody>
% for t in teams:
<tr data-id="{{t['group_id']}}"><td class="who"><a href="/console/people?team={{t['group_id']}}">{{t['group_name']}}</a>
% if t['gone']:
<div class="sub">另有 {{t['gone']}} 人已离开</div>
% end
</td>
<td class="num" data-label="组员" data-field="members">{{t['members']}}</td><td class="num" data-label="待审核" data-field="pending">{{t['pending']}}</td>
<td class="num" data-label="未报销" data-field="open"><a href="/console/records?team={{t['group_id']}}&amp;status=open">{{money(t['total_fen'])}}</a></td>
<td class="num" data-label="笔数" data-field="count">{{t['count']}}</td>
<td class="do"><div class="acts">
  <form method="post" action="/console/teams" class="act">
    <input type="hidden" name="csrf" value="{{visitor.csrf}}">
    <input type="hidden" name="id" value="{{t['group_id']}}">
    <input type="text" name="name" maxlength="20" size="8" required placeholder="新组名" aria-label="{{t['group_name']}} 的新组名">
    <button type="submit" name="action" value="rename" class="secondary">改名</button>
  </form>
</div></td></tr>
% end
</tbody>
</table>
</div>
% end
