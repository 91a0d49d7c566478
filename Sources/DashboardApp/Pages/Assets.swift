/// The dashboard's stylesheet and script, served from `/static/` (no build step, no inline code,
/// so the Content-Security-Policy can forbid inline scripts and styles).
enum Assets {
    static let css = """
    :root { --ink: #1d2733; --muted: #5b6775; --line: #d9dee5; --bg: #f5f7fa; --card: #fff;
      --ok: #1b7f4c; --warn: #b26a00; --bad: #b3261e; --accent: #1f5fbf; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "PingFang SC", "Noto Sans CJK SC", sans-serif;
      color: var(--ink); background: var(--bg); }
    header { background: #16324f; color: #fff; }
    header nav { display: flex; flex-wrap: wrap; align-items: center; gap: .25rem 1rem; padding: .6rem 1rem; max-width: 1200px; margin: 0 auto; }
    header a { color: #fff; text-decoration: none; padding: .2rem .1rem; }
    header a.active { border-bottom: 2px solid #fff; }
    header .brand { font-weight: 600; margin-right: 1rem; }
    header .who { margin-left: auto; color: #cfd9e6; font-size: 13px; }
    header form { display: inline; }
    header button { background: transparent; color: #fff; border: 1px solid #8aa3bf; border-radius: 4px; padding: .15rem .6rem; cursor: pointer; }
    main { max-width: 1200px; margin: 0 auto; padding: 1rem; }
    h1 { font-size: 1.35rem; margin: .2rem 0 1rem; }
    h2 { font-size: 1.05rem; margin: 1.4rem 0 .6rem; }
    .card > h2:first-child { margin-top: 0; }
    .card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .8rem 1rem; margin-bottom: 1rem; }
    .scroll { overflow-x: auto; }
    table { border-collapse: collapse; width: 100%; background: var(--card); }
    th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; white-space: nowrap; }
    td.wrap { white-space: normal; min-width: 10rem; max-width: 24rem; }
    td.actions { white-space: normal; min-width: 6.5rem; }
    td.actions form { display: block; margin: .1rem 0; }
    td.actions button { font-size: 13px; padding: .2rem .6rem; width: 100%; }
    th { font-weight: 600; color: var(--muted); font-size: 13px; }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
    .muted { color: var(--muted); }
    .badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: 12px; border: 1px solid var(--line); background: #eef1f5; }
    .s-succeeded, .s-completed { background: #e3f4ea; border-color: #b5dfc6; color: var(--ok); }
    .s-failed, .s-dead, .s-actionRequired { background: #fbe7e5; border-color: #f0bbb6; color: var(--bad); }
    .s-retrying, .s-awaitingConditions, .s-awaitingRealName, .s-scheduled { background: #fff3df; border-color: #f0d3a0; color: var(--warn); }
    .s-running, .s-queued, .s-inProgress { background: #e6eefb; border-color: #b8cdf0; color: var(--accent); }
    .bad { color: var(--bad); font-weight: 600; }
    form.filters { display: flex; flex-wrap: wrap; gap: .5rem .8rem; align-items: flex-end; }
    form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
    input, select { font: inherit; padding: .3rem .4rem; border: 1px solid #b9c2cd; border-radius: 4px; background: #fff; min-width: 7rem; }
    button.act, a.button { font: inherit; background: var(--accent); color: #fff; border: 0; border-radius: 4px; padding: .35rem .8rem; cursor: pointer; text-decoration: none; display: inline-block; }
    button.secondary { background: #e9edf2; color: var(--ink); border: 1px solid #b9c2cd; }
    button.danger { background: var(--bad); }
    form.inline { display: inline; }
    .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 1rem; }
    svg.chart { width: 100%; height: auto; display: block; }
    .legend span { margin-right: .8rem; font-size: 12px; }
    .legend i { display: inline-block; width: .8rem; height: .25rem; margin-right: .3rem; vertical-align: middle; }
    .l-hr { background: #1f5fbf; } .l-social { background: #1b7f4c; } .l-medical { background: #b26a00; } .l-fund { background: #8e44ad; }
    .notice { padding: .6rem .8rem; border-radius: 4px; margin-bottom: 1rem; background: #e6eefb; border: 1px solid #b8cdf0; }
    .notice.error { background: #fbe7e5; border-color: #f0bbb6; }
    .login { max-width: 22rem; margin: 4rem auto; }
    .login label { display: block; margin-bottom: .8rem; font-size: 13px; color: var(--muted); }
    .login input { width: 100%; margin-top: .2rem; }
    .pager { margin-top: .8rem; }
    dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
    dl.facts dt { color: var(--muted); }
    dl.facts dd { margin: 0; }
    @media (max-width: 640px) { main { padding: .6rem; } th, td { padding: .35rem .4rem; } header .who { margin-left: 0; } }
    """

    /// Refreshes the element marked `data-refresh` from its fragment URL every 5 seconds while the
    /// page is visible; a failed fetch keeps what is shown.
    static let javascript = """
    (function () {
      "use strict";
      var target = document.querySelector("[data-refresh]");
      if (!target) { return; }
      var url = target.getAttribute("data-refresh");
      var busy = false;
      function refresh() {
        if (busy || document.hidden) { return; }
        busy = true;
        fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
          .then(function (response) {
            if (response.redirected || !response.ok) { throw new Error("refresh " + response.status); }
            return response.text();
          })
          .then(function (html) { target.innerHTML = html; target.setAttribute("data-refreshed", new Date().toISOString()); })
          .catch(function () { /* keep what is shown; try again on the next tick */ })
          .then(function () { busy = false; });
      }
      setInterval(refresh, 5000);
    })();
    """
}
