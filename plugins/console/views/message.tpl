% rebase('base.tpl', title=title)
<p>{{message}}</p>
