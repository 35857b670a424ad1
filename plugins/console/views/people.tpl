% rebase('base.tpl', title='人员')
<h2>待审核注册（<span data-field="pending">{{waiting}}</span>）</h2>
% if not requests:
<p>没有待审核的注册申请。</p>
% else:
% if waiting > len(requests):
<p>最早的 {{len(requests)}} 个如下；处理之后会列出其余的 {{waiting - len(requests)}} 个。</p>
% end
<div class="table-wrap">
<table class="requests">
<thead><tr><th>编号</th><th>姓名</th><th>申请加入</th><th>现属小组</th><th>申请时间</th><th>审核</th></tr></thead>
<tbody>
% for r in requests:
<tr data-id="{{r['id']}}"><td>#{{r['id']}}</td><td class="who">{{r['name']}}</td><td data-label="申请加入">{{r['requested_group']}}</td>
<td{{!' data-label="现属"' if r['moving'] else ' class="empty"'}}>{{r['current_group'] + '（换组）' if r['moving'] else ''}}</td><td class="date" data-label="申请于">{{r['when']}}</td>
<td class="do"><div class="acts">
  <form method="post" action="{{here_url}}" class="act">
    <input type="hidden" name="csrf" value="{{visitor.csrf}}">
    <input type="hidden" name="id" value="{{r['id']}}">
    <button type="submit" name="action" value="approve">通过</button>
  </form>
  <form method="post" action="{{here_url}}" class="act">
    <input type="hidden" name="csrf" value="{{visitor.csrf}}">
    <input type="hidden" name="id" value="{{r['id']}}">
    <input type="text" name="reason" maxlength="100" size="12" placeholder="原因（告诉申请人）" aria-label="拒绝 #{{r['id']}} 的原因">
    <button type="submit" name="action" value="reject" class="danger">拒绝</button>
  </form>
</div></td></tr>
% end
</tbody>
</table>
</div>
% end
<h2>组员（<span data-field="members">{{members['count']}}</span>）</h2>
<form method="get" action="/console/people" class="filters">
  <label>姓名<input type="search" name="q" value="{{filters['q']}}" maxlength="100" placeholder="姓名中的字"></label>
  <label>小组<select name="team">
    <option value="">全部小组</option>
    % for t in teams:
    <option value="{{t['id']}}"{{!' selected' if filters['team'] == str(t['id']) else ''}}>{{t['name']}}</option>
    % end
  </select></label>
  <button type="submit">筛选</button>
  <a href="/console/people" class="reset">清除筛选</a>
</form>
% if not members['rows']:
<p>没有符合条件的组员。</p>
% else:
<div class="table-wrap">
<table class="people">
<thead><tr><th>姓名</th><th>小组</th><th class="num">未报销（元）</th><th class="num">笔数</th><th>加入</th><th>改名、换组、离开</th></tr></thead>
<tbody>
% for m in members['rows']:
<tr data-id="{{m['openid']}}"><td class="who">{{m['name']}}
% if m['requested_group']:
<div class="sub">申请换到 {{m['requested_group']}}</div>
% end
</td>
<td>{{m['group_name']}}</td><td class="num" data-label="未报销" data-field="open">{{money(m['open_fen'])}}</td><td class="num" data-label="笔数" data-field="count">{{m['open_count']}}</td><td class="date" data-label="加入">{{m['since']}}</td>
<td class="do"><div class="acts">
  <form method="post" action="{{here_url}}" class="act">
    <input type="hidden" name="csrf" value="{{visitor.csrf}}">
    <input type="hidden" name="id" value="{{m['openid']}}">
    <input type="text" name="name" maxlength="20" size="6" required placeholder="新姓名" aria-label="{{m['name']}} 的新姓名">
    <button type="submit" name="action" value="rename" class="secondary">改名</button>
  </form>
  <form method="post" action="{{here_url}}" class="act">
    <input type="hidden" name="csrf" value="{{visitor.csrf}}">
    <input type="hidden" name="id" value="{{m['openid']}}">
    <select name="group" required aria-label="把 {{m['name']}} 调到">
      <option value="">调到…</option>
      % for t in teams:
      % if t['id'] != m['group_id']:
      <option value="{{t['id']}}">{{t['name']}}</option>
      % end
      % end
    </select>
    <button type="submit" name="action" value="move" class="secondary">换组</button>
  </form>
  <form method="post" action="{{here_url}}" class="act">
    <input type="hidden" name="csrf" value="{{visitor.csrf}}">
    <input type="hidden" name="id" value="{{m['openid']}}">
    <button type="submit" name="action" value="leave" class="danger">标记离开</button>
  </form>
</div></td></tr>
% end
</tbody>
</table>
</div>
% include('pager.tpl', page=members['page'], pages=members['pages'], page_url=members['url'])
% end
% if left['count']:
<h2>已离开（<span data-field="left">{{left['count']}}</span>）</h2>
<p>已离开的人不能再记账；记录都保留，未报销的仍随原小组正常结算。重新加入：本人发送 9 组名 姓名，再在上面审核通过。</p>
<div class="table-wrap">
<table class="left">
<thead><tr><th>姓名</th><th>原小组</th><th class="num">未报销（元）</th><th class="num">笔数</th><th>改名</th></tr></thead>
<tbody>
% for m in left['rows']:
<tr data-id="{{m['openid']}}" class="muted"><td class="who">{{m['name']}}</td><td data-label="原小组">{{m['group_name']}}</td><td class="num" data-label="未报销" data-field="open">{{money(m['open_fen'])}}</td><td class="num" data-label="笔数" data-field="count">{{m['open_count']}}</td>
<td class="do"><div class="acts">
  <form method="post" action="{{here_url}}" class="act">
    <input type="hidden" name="csrf" value="{{visitor.csrf}}">
    <input type="hidden" name="id" value="{{m['openid']}}">
    <input type="text" name="name" maxlength="20" size="6" required placeholder="新姓名" aria-label="{{m['name']}} 的新姓名">
    <button type="submit" name="action" value="rename" class="secondary">改名</button>
  </form>
</div></td></tr>
% end
</tbody>
</table>
</div>
% include('pager.tpl', page=left['page'], pages=left['pages'], page_url=left['url'])
% end
