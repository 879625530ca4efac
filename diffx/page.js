// diffx's stepping page: shows the steps diffx computed (embedded as JSON); it computes no derivative itself.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dx-data").textContent);
  var steps = data.steps, N = steps.length, k = 0, timer = null;
  var graph = document.getElementById("dx-graph");
  var nodes = {};
  Array.prototype.forEach.call(document.querySelectorAll(".dx-node"), function (g) { nodes[g.dataset.node] = g; });
  var edges = Array.prototype.slice.call(document.querySelectorAll(".dx-edge"));
  var PHASE = {
    ready: "ready: press → (or next) to step through the forward pass, then the reverse sweep",
    forward: "forward pass: primal and tangent" + (data.direction ? " (direction " + data.direction + ")" : ""),
    reverse: "reverse sweep: adjoints, from the output back to the inputs",
    result: "result: the gradient"
  };

  function setText(node, cls, text) {
    var g = nodes[node];
    var el = g && g.querySelector(".dx-" + cls);
    if (el) el.textContent = text;
  }

  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }

  function line(parent, text, cls) {
    var div = document.createElement("div");
    div.className = cls;
    div.textContent = text;
    parent.appendChild(div);
  }

  function show(n) {
    k = Math.max(0, Math.min(N, n));
    var touched = {};
    Object.keys(nodes).forEach(function (id) {
      var init = data.initial[id];
      nodes[id].classList.remove("dx-current", "dx-source", "dx-done-f", "dx-done-r", "dx-accumulate");
      setText(id, "val", init.value);
      setText(id, "tan", init.tangent);
      setText(id, "adj", init.adjoint);
    });
    edges.forEach(function (e) { e.classList.remove("dx-hot"); });
    for (var i = 0; i < k; i++) {
      var s = steps[i];
      if (s.phase === "forward") {
        setText(s.node, "val", s.value);
        setText(s.node, "tan", s.tangent);
        nodes[s.node].classList.add("dx-done-f");
      } else {
        setText(s.node, "adj", s.adjoint);
        nodes[s.node].classList.add("dx-done-r");
        touched[s.node] = true;
      }
    }
    if (k === N) {
      Object.keys(nodes).forEach(function (id) { if (!touched[id]) setText(id, "adj", data.initial[id].none); });
    }
    var phase = document.getElementById("dx-phase"), lines = document.getElementById("dx-lines");
    var why = document.getElementById("dx-why");
    clear(lines);
    document.getElementById("dx-count").textContent = "step " + k + " of " + N;
    document.body.dataset.step = String(k);
    if (k === 0) {
      phase.textContent = PHASE.ready;
      phase.dataset.phase = document.body.dataset.phase = "ready";
      why.textContent = "";
    } else {
      var cur = steps[k - 1];
      phase.textContent = PHASE[cur.phase];
      phase.dataset.phase = document.body.dataset.phase = cur.phase;
      cur.lines.forEach(function (t) { line(lines, t, "line"); });
      why.textContent = cur.why || "";
      var g = nodes[cur.node];
      g.classList.add("dx-current");
      if (cur.accumulate) g.classList.add("dx-accumulate");
      document.getElementById("dx-panel").dataset.node = cur.node;
      if (cur.phase === "forward") {
        edges.forEach(function (e) { if (e.dataset.to === cur.node) e.classList.add("dx-hot"); });
      } else if (cur.from) {
        nodes[cur.from].classList.add("dx-source");
        edges.forEach(function (e) {
          if (e.dataset.from === cur.node && e.dataset.to === cur.from) e.classList.add("dx-hot");
        });
      }
      reveal(g);
    }
    Array.prototype.forEach.call(document.querySelectorAll("#dx-list li"), function (li, i) {
      li.classList.toggle("dx-now", i === k - 1);
      li.classList.toggle("dx-past", i < k - 1);
    });
    document.getElementById("dx-prev").disabled = k === 0;
    document.getElementById("dx-first").disabled = k === 0;
    document.getElementById("dx-next").disabled = k === N;
    document.getElementById("dx-last").disabled = k === N;
  }

  function reveal(g) {          // scroll the graph (not the page) so the current box is in view
    var box = g.getBoundingClientRect(), view = graph.getBoundingClientRect();
    if (box.left < view.left || box.right > view.right) {
      graph.scrollLeft += (box.left + box.right) / 2 - (view.left + view.right) / 2;
    }
    if (box.top < view.top || box.bottom > view.bottom) {
      graph.scrollTop += (box.top + box.bottom) / 2 - (view.top + view.bottom) / 2;
    }
  }

  function play() {
    if (timer) { clearInterval(timer); timer = null; }
    else {
      if (k === N) show(0);
      timer = setInterval(function () { if (k >= N) play(); else show(k + 1); }, 900);
    }
    document.getElementById("dx-play").textContent = timer ? "pause" : "play";
  }

  var list = document.getElementById("dx-list");
  steps.forEach(function (s, i) {
    var li = document.createElement("li");
    li.className = "dx-" + s.phase;
    li.dataset.step = String(i + 1);
    s.lines.forEach(function (t) { line(li, t, "line"); });
    li.addEventListener("click", function () { show(i + 1); });
    list.appendChild(li);
  });
  document.getElementById("dx-first").addEventListener("click", function () { show(0); });
  document.getElementById("dx-prev").addEventListener("click", function () { show(k - 1); });
  document.getElementById("dx-next").addEventListener("click", function () { show(k + 1); });
  document.getElementById("dx-last").addEventListener("click", function () { show(N); });
  document.getElementById("dx-play").addEventListener("click", play);
  document.getElementById("dx-fit").addEventListener("click", function () { graph.classList.toggle("dx-fit"); });
  document.addEventListener("keydown", function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    var keys = {ArrowRight: 1, ArrowDown: 1, " ": 1, ArrowLeft: -1, ArrowUp: -1};
    if (ev.key in keys) show(k + keys[ev.key]);
    else if (ev.key === "Home") show(0);
    else if (ev.key === "End") show(N);
    else if (ev.key === "p") play();
    else if (ev.key === "f") graph.classList.toggle("dx-fit");
    else return;
    ev.preventDefault();
  });
  show(0);
})();
