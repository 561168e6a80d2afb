// Short polling of the board's JSON (no library): replaces the rows and counts when they change.
(function () {
  var table = document.getElementById("board");
  if (!table || !window.fetch) return;
  var url = table.getAttribute("data-poll-url"), every = (+table.getAttribute("data-poll-seconds") || 20) * 1000;
  var version = "", busy = false;
  function set(id, value) { var el = document.getElementById(id); if (el) el.textContent = value; }
  function poll() {
    if (busy || document.hidden) return;
    busy = true;
    fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "v=" + version, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) throw r.status; return r.json(); })
      .then(function (data) {
        version = data.v;
        set("board-updated", new Date().toLocaleTimeString());
        if (data.unchanged) return;
        document.getElementById("board-rows").innerHTML = data.rows;
        document.getElementById("board-groups").innerHTML = data.groups;
        set("count-total", data.total);
        ["overdue", "escalated", "flagged"].forEach(function (k) { set("count-" + k, data.counts[k]); });
      })
      .catch(function () { set("board-updated", "…"); })
      .then(function () { busy = false; });
  }
  setInterval(poll, every);
})();
