% rebase('base.tpl', title='报表')
<form method="post" class="act">
  <input type="hidden" name="csrf" value="{{visitor.csrf}}">
  <button type="submit" name="action" value="build">立即生成报表</button>
  <small>与在公众号发送 86 相同：数据截至此刻，在后台生成，完成后推送给你。</small>
</form>
% if running:
<p><small>有报表正在生成中，刷新本页查看进度。</small></p>
% end
<h2>保留的报表与备份</h2>
% if not rows:
<p>还没有报表或备份。</p>
% else:
<div class="table-wrap">
<table class="exports">
<thead><tr><th>编号</th><th>类型</th><th>日期</th><th>来源</th><th>状态</th><th>上传</th><th class="num">明细笔数</th><th class="num">合计（元）</th><th class="num">大小</th><th>sha256</th><th>下载</th></tr></thead>
<tbody>
% for r in rows:
<tr data-id="{{r['id']}}" data-kind="{{r['kind']}}" data-state="{{r['state']}}"{{!' class="muted"' if r['state'] == 'failed' else ''}}>
<td>#{{r['id']}}</td><td>{{r['kind_text']}}</td><td>{{r['date']}}<br><small>{{r["when"]}}</small></td><td>{{r['trigger_text']}}</td>
<td data-field="state">{{r['state_text']}}
% if r['error']:
<small class="error">{{r['error']}}</small>
% end
</td>
<td data-field="upload">{{r['upload_text']}}</td>
<td class="num" data-field="rows">{{'' if r['rows'] is None else r['rows']}}</td>
<td class="num" data-field="total">{{'' if r['total_fen'] is None else money(r['total_fen'])}}</td>
<td class="num">{{r['size_text']}}</td>
<td><code title="{{r['sha256']}}">{{r['sha_short']}}</code></td>
<td>
% if r['download']:
<a href="/console/reports/{{r['id']}}/download" download>下载</a>
% else:
<small>{{r["why_not"]}}</small>
% end
</td>
</tr>
% end
</tbody>
</table>
</div>
% include('pager.tpl')
% end
<p><small>{{backup_note}}</small></p>
