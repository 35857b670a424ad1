<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} · 下午茶控制台</title>
<link rel="stylesheet" href="/console/static/console.css">
</head>
<body>
<header class="top">
  <span class="brand">下午茶控制台</span>
  % if visitor:
  <span class="who">{{visitor.name}}</span>
  <form method="post" action="/console/logout" class="inline">
    <input type="hidden" name="csrf" value="{{visitor.csrf}}">
    <button type="submit" name="action" value="logout" class="link">退出</button>
  </form>
  % end
</header>
% if nav:
<nav class="tabs">
  % for path, label in nav:
  <a href="{{path}}"{{!' class="on"' if here == path else ''}}>{{label}}</a>
  % end
</nav>
% end
<main>
<h1>{{title}}</h1>
% if get('notice'):
<p class="notice">{{notice}}</p>
% end
% if get('problem'):
<p class="problem">{{problem}}</p>
% end
{{!base}}
</main>
</body>
</html>
