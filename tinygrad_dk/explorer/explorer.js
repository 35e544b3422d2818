/* The tinygrad_dk explorer: training runs and one sample's backward pass, from the JSON that
   tinygrad_dk.explore wrote into this page. Everything is drawn here, offline; every number on
   the backpropagation tab was computed by the Python engine, this script only shows it. */
(function () {
  "use strict";

  // --- 1. the data: the JSON block at the end of the body; non-finite floats arrive as markers ---
  const NONFINITE = { "__nan__": NaN, "__inf__": Infinity, "__-inf__": -Infinity };
  const D = JSON.parse(document.getElementById("explorer-data").textContent,
    (key, v) => (typeof v === "string" && Object.prototype.hasOwnProperty.call(NONFINITE, v)) ? NONFINITE[v] : v);
  const RUN_COLORS = ["#2f5fb3", "#d9730d", "#2e8b57", "#8e44ad", "#b03a2e", "#5d6d7e"];
  const CLASS_RGB = [[230, 97, 1], [94, 60, 153], [27, 158, 119], [212, 175, 55], [231, 41, 138], [102, 166, 30],
    [117, 112, 179], [166, 118, 29]];
  const SVGNS = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);

  // --- 2. the forward pass, the same sums in the same order as tinygrad_dk.nn.Neuron: b + w1 x1 + w2 x2 + ... ---
  // the activations, from the op table's rows (tinygrad_dk.ops): each row's JavaScript, with its constant as k
  const ACT = { linear: (a) => a };
  Object.values(D.ops).forEach((op) => {
    if (op.activation && op.js) {
      const f = new Function("a", "k", `return ${op.js};`);
      ACT[op.activation] = (a) => f(a, op.constant);
    }
  });

  function compile(run) {  // per-layer activation functions and weight offsets, once per run
    let off = 0;
    run.plan = run.layers.map((L) => {
      const p = { nin: L.nin, nout: L.nout, f: ACT[L.activation], off: off };
      off += L.nout * (L.nin + 1);
      return p;
    });
    run.nparams = off;
  }

  function forward(run, w, x) {  // w: the flat weights of one epoch; returns the outputs
    let inp = x;
    for (const p of run.plan) {
      const out = new Array(p.nout);
      let k = p.off;
      for (let j = 0; j < p.nout; j++) {
        let s = w[k + p.nin];  // the bias first, then each term, as the engine adds them
        for (let i = 0; i < p.nin; i++) s = s + w[k + i] * inp[i];
        out[j] = p.f(s);
        k += p.nin + 1;
      }
      inp = out;
    }
    return inp;
  }

  function predictClass(run, out) {
    if (out.length > 1) {
      let best = 0;
      for (let k = 1; k < out.length; k++) if (out[k] > out[best]) best = k;
      return best;
    }
    return out[0] > run.threshold ? 1 : 0;
  }

  // confidence in [0, 1] and class, for painting the background
  function shade(run, out) {
    if (out.length > 1) {
      const m = Math.max(...out);
      let z = 0;
      for (const o of out) z += Math.exp(o - m);
      const k = predictClass(run, out);
      const n = out.length;
      return [k, Math.max(0, (1 / z - 1 / n) / (1 - 1 / n))];
    }
    const s = out[0] - run.threshold;
    return [s > 0 ? 1 : 0, Math.min(1, Math.abs(Math.tanh(s * run.sharpness)))];
  }

  // --- 3. state ---
  const S = { run: 0, epoch: 0, playing: false, timer: null, sample: null, bpEpoch: 0, bpStep: 0, view: "train" };
  const allEpochs = Array.from(new Set(D.runs.flatMap((r) => r.epochs))).sort((a, b) => a - b);
  D.runs.forEach((run, i) => {
    compile(run);
    run.color = RUN_COLORS[i % RUN_COLORS.length];
    // run.threshold comes from fit (History.threshold). An mse fit's scores (0/1 targets, threshold 0.5)
    // stay within about 0.5 of it, so its shading rises more steeply than a hinge or logistic score's
    run.sharpness = run.threshold === 0.5 ? 4 : 1.5;
    run.updatesSoFar = [];
    let total = 0;
    for (const u of run.history.updates) run.updatesSoFar.push(total += u);
  });

  function frameIndex(run, epoch) {  // the latest recorded frame at or before epoch
    let best = 0;
    for (let i = 0; i < run.epochs.length; i++) if (run.epochs[i] <= epoch) best = i;
    return best;
  }

  // --- 4. geometry of the data plots ---
  const bounds = (function () {
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (const p of D.X) {
      x0 = Math.min(x0, p[0]); x1 = Math.max(x1, p[0]); y0 = Math.min(y0, p[1]); y1 = Math.max(y1, p[1]);
    }
    const span = Math.max(x1 - x0, y1 - y0, 1e-9) * 1.16;  // one scale for both axes, with a margin
    const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    return { x0: cx - span / 2, y0: cy - span / 2, span: span };
  })();
  const toPx = (canvas, p) => [(p[0] - bounds.x0) / bounds.span * canvas.width,
    (1 - (p[1] - bounds.y0) / bounds.span) * canvas.height];
  const toData = (canvas, px, py) => [bounds.x0 + px / canvas.width * bounds.span,
    bounds.y0 + (1 - py / canvas.height) * bounds.span];

  const grids = {};  // a small canvas per grid size: one forward pass per pixel, smoothed when scaled up
  function gridCanvas(n) {
    if (!grids[n]) { grids[n] = document.createElement("canvas"); grids[n].width = n; grids[n].height = n; }
    return grids[n];
  }

  function paintBoundary(canvas, run, w, opts) {
    const GRID = opts.grid || 90;  // 90 x 90 forward passes for a large plot
    const small = gridCanvas(GRID);
    const g = small.getContext("2d");
    const img = g.createImageData(GRID, GRID);
    for (let r = 0; r < GRID; r++) {
      for (let c = 0; c < GRID; c++) {
        const x = [bounds.x0 + (c + 0.5) / GRID * bounds.span, bounds.y0 + (1 - (r + 0.5) / GRID) * bounds.span];
        const [k, conf] = shade(run, forward(run, w, x));
        const rgb = CLASS_RGB[k % CLASS_RGB.length];
        const a = 0.1 + 0.38 * (Number.isFinite(conf) ? conf : 0);
        const o = 4 * (r * GRID + c);
        img.data[o] = Math.round(255 + (rgb[0] - 255) * a);
        img.data[o + 1] = Math.round(255 + (rgb[1] - 255) * a);
        img.data[o + 2] = Math.round(255 + (rgb[2] - 255) * a);
        img.data[o + 3] = 255;
      }
    }
    g.putImageData(img, 0, 0);
    const ctx = canvas.getContext("2d");
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
    const radius = opts.radius || 4;
    D.X.forEach((p, i) => {
      const [px, py] = toPx(canvas, p);
      const rgb = CLASS_RGB[D.y[i] % CLASS_RGB.length];
      ctx.beginPath();
      const big = opts.rings && opts.rings.has(i);
      ctx.arc(px, py, big ? radius + 1.5 : radius, 0, 2 * Math.PI);
      ctx.fillStyle = `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`;
      ctx.fill();
      ctx.lineWidth = big ? 2 : 1;
      ctx.strokeStyle = big ? "#111" : "rgba(255,255,255,0.9)";
      ctx.stroke();
    });
    if (opts.selected !== null && opts.selected !== undefined) {
      const [px, py] = toPx(canvas, D.X[opts.selected]);
      ctx.beginPath();
      ctx.arc(px, py, radius + 6, 0, 2 * Math.PI);
      ctx.lineWidth = 2.5;
      ctx.strokeStyle = "#e6a100";
      ctx.stroke();
    }
  }

  function nearestPoint(canvas, event, allowed) {
    const rect = canvas.getBoundingClientRect();
    const px = (event.clientX - rect.left) * canvas.width / rect.width;
    const py = (event.clientY - rect.top) * canvas.height / rect.height;
    let best = null, bestD = 12 * 12;
    D.X.forEach((p, i) => {
      if (allowed && !allowed.has(i)) return;
      const [qx, qy] = toPx(canvas, p);
      const d = (qx - px) ** 2 + (qy - py) ** 2;
      if (d < bestD) { bestD = d; best = i; }
    });
    return best;
  }

  // --- 5. number formatting ---
  function fmt(v) {
    if (Number.isNaN(v)) return "nan";
    if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
    if (v === 0) return "0";
    const a = Math.abs(v);
    if (Number.isInteger(v) && a < 1e6) return String(v);
    if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(4)));
    return v.toExponential(3).replace(/\.?0+e/, "e");
  }
  const paren = (v) => (v < 0 ? `(${fmt(v)})` : fmt(v));

  function svg(tag, attrs, parent) {
    const el = document.createElementNS(SVGNS, tag);
    for (const k in attrs) el.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(el);
    return el;
  }
  function text(tag, content, attrs, parent) {  // data reach the page only through textContent
    const el = tag.startsWith("svg:") ? svg(tag.slice(4), attrs || {}) : document.createElement(tag);
    if (!tag.startsWith("svg:")) for (const k in (attrs || {})) el.setAttribute(k, attrs[k]);
    el.textContent = content;
    if (parent) parent.appendChild(el);
    return el;
  }

  // --- 6. the training tab ---
  const slider = $("epoch-slider");
  slider.max = String(allEpochs.length - 1);
  slider.value = String(allEpochs.length - 1);
  S.epoch = allEpochs.length - 1;

  function describeBatch(run) {
    if (run.batch_size === null) return "full batch";
    if (run.batch_size === 1) return "SGD, batch size 1";
    return `mini-batch of ${run.batch_size}`;
  }

  function buildRunButtons() {
    const box = $("run-select");
    if (D.runs.length < 2) { box.hidden = true; return; }
    text("span", "Run:", { class: "note" }, box);
    D.runs.forEach((run, i) => {
      const b = text("button", "", { class: "btn", type: "button", id: `run-${i}`, "aria-pressed": "false" }, box);
      const sw = text("span", "", { class: "swatch" }, b);
      sw.style.background = run.color;
      b.appendChild(document.createTextNode(run.label));
      b.addEventListener("click", () => selectRun(i));
    });
    $("thumbs-panel").hidden = false;
    D.runs.forEach((run, i) => {
      const t = text("button", "", { class: "thumb", type: "button", id: `thumb-${i}`, "aria-pressed": "false" }, $("thumbs"));
      const c = document.createElement("canvas");
      c.width = 120; c.height = 120;
      t.appendChild(c);
      text("span", run.label, {}, t);
      t.addEventListener("click", () => selectRun(i));
    });
  }

  function selectRun(i) {
    S.run = i;
    D.runs.forEach((_, j) => {
      const b = $(`run-${j}`), t = $(`thumb-${j}`);
      if (b) b.setAttribute("aria-pressed", String(i === j));
      if (t) t.setAttribute("aria-pressed", String(i === j));
    });
    buildCharts();
    buildNetwork();
    buildBackprop();
    render();
  }

  // charts: every run's curve, the selected one on top, a dashed line at the current epoch
  const CH = { left: 44, right: 12, top: 10, bottom: 24 };
  function buildChart(el, key, label) {
    while (el.firstChild) el.removeChild(el.firstChild);
    const W = el.clientWidth || 380, H = el.height.baseVal.value || 160;
    const maxEpoch = Math.max(1, allEpochs[allEpochs.length - 1]);
    let lo = Infinity, hi = -Infinity;
    for (const run of D.runs) for (const v of run.history[key]) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
    if (key === "accuracy") { lo = Math.min(lo, 0.5); hi = 1; }
    else { lo = Math.min(0, lo); }
    if (hi - lo < 1e-12) hi = lo + 1;
    const yTicks = niceTicks(lo, hi, 4);
    lo = Math.min(lo, yTicks[0]); hi = Math.max(hi, yTicks[yTicks.length - 1]);
    const X = (e) => CH.left + e / maxEpoch * (W - CH.left - CH.right);
    const Y = (v) => CH.top + (1 - (Math.min(Math.max(v, lo), hi) - lo) / (hi - lo)) * (H - CH.top - CH.bottom);
    for (const v of yTicks) {
      svg("line", { class: "grid", x1: CH.left, x2: W - CH.right, y1: Y(v), y2: Y(v) }, el);
      text("svg:text", key === "accuracy" ? `${Math.round(v * 100)}%` : fmt(Number(v.toPrecision(3))),
        { class: "tick", x: CH.left - 5, y: Y(v) + 3, "text-anchor": "end" }, el);
    }
    svg("line", { class: "axis", x1: CH.left, x2: CH.left, y1: CH.top, y2: H - CH.bottom }, el);
    svg("line", { class: "axis", x1: CH.left, x2: W - CH.right, y1: H - CH.bottom, y2: H - CH.bottom }, el);
    const ticks = niceTicks(0, maxEpoch, 5).filter((e) => Number.isInteger(e));
    for (const e of ticks) {
      text("svg:text", String(e), { class: "tick", x: X(e), y: H - CH.bottom + 14, "text-anchor": "middle" }, el);
    }
    text("svg:text", "epoch", { class: "tick", x: W - CH.right, y: H - 2, "text-anchor": "end" }, el);
    const order = D.runs.map((_, i) => i).filter((i) => i !== S.run).concat([S.run]);
    for (const i of order) {
      const run = D.runs[i];
      const pts = run.history[key].map((v, k) => (Number.isFinite(v) ? `${X(k + 1).toFixed(1)},${Y(v).toFixed(1)}` : null))
        .filter((p) => p !== null).join(" ");
      svg("polyline", { points: pts, fill: "none", stroke: run.color, "stroke-width": i === S.run ? 2.2 : 1.2,
        "stroke-opacity": i === S.run ? 1 : 0.55, "data-run": i }, el);
    }
    const marker = svg("line", { class: "marker", id: `${key}-marker`, y1: CH.top, y2: H - CH.bottom }, el);
    const dot = svg("circle", { class: "dot", id: `${key}-dot`, r: 4.5, fill: D.runs[S.run].color }, el);
    el.chart = { X: X, Y: Y, marker: marker, dot: dot, key: key, label: label };
  }

  function niceTicks(lo, hi, count) {  // round numbers (1, 2 or 5 times a power of 10) covering [lo, hi]
    const raw = (hi - lo) / count;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * mag).find((v) => v >= raw * 0.999);
    const out = [];
    for (let k = Math.floor(lo / step + 1e-9); k * step <= hi + step * 0.999; k++) {
      out.push(Number((k * step).toPrecision(12)));
      if (k * step >= hi - 1e-12) break;
    }
    return out;
  }

  function buildCharts() {
    buildChart($("loss-chart"), "loss", "loss");
    buildChart($("acc-chart"), "accuracy", "accuracy");
    const leg = $("chart-legend");
    while (leg.firstChild) leg.removeChild(leg.firstChild);
    if (D.runs.length > 1) {
      D.runs.forEach((run) => {
        const s = text("span", "", {}, leg);
        text("span", "", { class: "swatch" }, s).style.background = run.color;
        s.appendChild(document.createTextNode(run.label));
      });
    }
  }

  function moveMarker(el, epoch) {
    const c = el.chart, run = D.runs[S.run];
    const x = c.X(epoch);
    c.marker.setAttribute("x1", x); c.marker.setAttribute("x2", x);
    c.marker.setAttribute("data-epoch", String(epoch));
    const v = epoch >= 1 ? run.history[c.key][Math.min(epoch, run.history[c.key].length) - 1] : undefined;
    if (v === undefined || !Number.isFinite(v)) { c.dot.setAttribute("visibility", "hidden"); return; }
    c.dot.setAttribute("visibility", "visible");
    c.dot.setAttribute("cx", x); c.dot.setAttribute("cy", c.Y(v));
  }

  // the network: one circle per neuron (at most MAXN a layer), one line per weight
  const MAXN = 18;
  function buildNetwork() {
    const el = $("network");
    while (el.firstChild) el.removeChild(el.firstChild);
    const run = D.runs[S.run];
    const W = el.clientWidth || 380, H = el.height.baseVal.value || 360;
    const sizes = [run.layers[0].nin].concat(run.layers.map((L) => L.nout));
    const cols = sizes.length;
    const colX = (c) => 44 + c * (W - 88) / Math.max(1, cols - 1);
    const shown = sizes.map((n) => Math.min(n, MAXN));
    const rowY = (c, j) => 22 + (j + 0.5) * (H - 52) / shown[c];
    const maxAbs = Math.max(1e-12, ...run.weights.flatMap((w) => w.map((v) => (Number.isFinite(v) ? Math.abs(v) : 0))));
    const lines = [];
    run.plan.forEach((p, l) => {
      for (let j = 0; j < shown[l + 1]; j++) {
        for (let i = 0; i < shown[l]; i++) {
          const ln = svg("line", { x1: colX(l), y1: rowY(l, i), x2: colX(l + 1), y2: rowY(l + 1, j),
            "stroke-linecap": "round" }, el);
          lines.push([ln, p.off + j * (p.nin + 1) + i]);
        }
      }
    });
    const circles = [];
    sizes.forEach((n, c) => {
      for (let j = 0; j < shown[c]; j++) {
        const circle = svg("circle", { cx: colX(c), cy: rowY(c, j), r: 6.5, stroke: "#4a5262", "stroke-width": 1 }, el);
        if (c === 0) circle.setAttribute("fill", "#e9ecf2");
        else circles.push([circle, run.plan[c - 1].off + j * (run.plan[c - 1].nin + 1) + run.plan[c - 1].nin]);
      }
      if (n > shown[c]) text("svg:text", `+${n - shown[c]} more`, { x: colX(c), y: H - 18, "text-anchor": "middle",
        class: "tick", fill: "#5b6475", "font-size": 11 }, el);
      const name = c === 0 ? "input" : (c === cols - 1 ? "output" : `L${c}`);
      const edge = c === 0 ? [4, "start"] : (c === cols - 1 ? [W - 4, "end"] : [colX(c), "middle"]);
      text("svg:text", c === 0 ? name : `${name} · ${run.layers[c - 1].activation}`, { x: edge[0], y: H - 3,
        "text-anchor": edge[1], fill: "#5b6475", "font-size": 11 }, el);
    });
    el.net = { lines: lines, circles: circles, maxAbs: maxAbs };
    $("network-caption").textContent = "Blue: positive weight, orange: negative; line width grows with |weight| "
      + `(widest: ${fmt(maxAbs)}). Neuron fill: its bias.` + (sizes.some((n) => n > MAXN) ? ` Layers wider than ${MAXN} show their first ${MAXN} neurons.` : "");
  }

  function paintNetwork(w) {
    const net = $("network").net;
    for (const [ln, k] of net.lines) {
      const v = w[k];
      const m = Number.isFinite(v) ? Math.abs(v) / net.maxAbs : 1;
      ln.setAttribute("stroke", v >= 0 ? "#1c7ed6" : "#e8590c");  // the colours of viz.draw_network
      ln.setAttribute("stroke-width", (0.25 + 4.5 * m).toFixed(2));
      ln.setAttribute("stroke-opacity", (0.25 + 0.7 * m).toFixed(2));
    }
    for (const [circle, k] of net.circles) {
      const v = w[k];
      const m = Number.isFinite(v) ? Math.min(1, Math.abs(v) / net.maxAbs) : 1;
      const rgb = v >= 0 ? [28, 126, 214] : [232, 89, 12];
      const mix = (c) => Math.round(255 + (c - 255) * (0.15 + 0.85 * m));
      circle.setAttribute("fill", `rgb(${mix(rgb[0])},${mix(rgb[1])},${mix(rgb[2])})`);
    }
  }

  function render() {
    const epoch = allEpochs[S.epoch];
    const run = D.runs[S.run];
    const f = frameIndex(run, epoch);
    const w = run.weights[f];
    slider.value = String(S.epoch);
    const total = run.history.loss.length;
    $("epoch-label").textContent = epoch === 0 ? `epoch 0 of ${total} (before training)` : `epoch ${epoch} of ${total}`;
    $("epoch-label").setAttribute("data-epoch", String(epoch));
    paintBoundary($("boundary"), run, w, { selected: S.sample, radius: 4.5 });
    $("boundary").setAttribute("data-epoch", String(run.epochs[f]));
    $("boundary-caption").textContent = `${run.label}: the background is the model's prediction after epoch `
      + `${run.epochs[f]} (darker: more confident). Click a point to follow it on the Backpropagation tab.`;
    moveMarker($("loss-chart"), epoch);
    moveMarker($("acc-chart"), epoch);
    paintNetwork(w);
    const stats = $("epoch-stats");
    while (stats.firstChild) stats.removeChild(stats.firstChild);
    if (epoch >= 1 && epoch <= total) {
      const parts = [["loss", fmt(run.history.loss[epoch - 1])],
        ["accuracy", `${(100 * run.history.accuracy[epoch - 1]).toFixed(1)}%`],
        ["lr", fmt(run.history.lr[epoch - 1])], ["updates so far", String(run.updatesSoFar[epoch - 1])]];
      parts.forEach(([k, v], i) => {
        if (i) stats.appendChild(document.createTextNode(" · "));
        stats.appendChild(document.createTextNode(`${k} `));
        text("b", v, {}, stats);
      });
    } else {
      stats.textContent = "The starting weights: no update yet.";
    }
    D.runs.forEach((r, i) => {
      const t = $(`thumb-${i}`);
      if (t) paintBoundary(t.querySelector("canvas"), r, r.weights[frameIndex(r, epoch)], { radius: 2, grid: 40 });
    });
  }

  function setEpoch(i) {
    S.epoch = Math.max(0, Math.min(allEpochs.length - 1, i));
    render();
  }

  function play() {
    if (S.playing) { stop(); return; }
    if (S.epoch >= allEpochs.length - 1) S.epoch = 0;
    S.playing = true;
    $("play").textContent = "Pause";
    S.timer = setInterval(() => {
      if (S.epoch >= allEpochs.length - 1) { stop(); return; }
      setEpoch(S.epoch + 1);
    }, 90);
  }
  function stop() {
    S.playing = false;
    if (S.timer !== null) clearInterval(S.timer);
    S.timer = null;
    $("play").textContent = "Play";
  }

  // --- 7. the backpropagation tab ---
  function bp() { return D.runs[S.run].backprop; }

  const SHOWN = { "*": "×", "**": "^" };  // the op table's symbols, as the page prints them
  function opText(node, k) {  // what a node box says it does; k: the op's constant, if any
    if (!node.op) return "";
    const row = D.ops[node.op];
    const symbol = row ? (SHOWN[row.symbol] || row.symbol) : node.op;
    if (k === undefined || k === null) return symbol;
    if (symbol === "+") return k < 0 ? `− ${fmt(-k)}` : `+ ${fmt(k)}`;
    if (symbol.length <= 2) return `${symbol} ${paren(k)}`;
    return `${symbol}(${fmt(k)})`;
  }

  function layoutGraph(st) {  // rows by longest distance from the loss; order in a row by the parents' x
    const n = st.nodes.length;
    const parents = Array.from({ length: n }, () => []);
    st.edges.forEach(([p, c], e) => parents[c].push(e));
    const rank = new Array(n).fill(0);
    for (let i = 1; i < n; i++) for (const e of parents[i]) rank[i] = Math.max(rank[i], rank[st.edges[e][0]] + 1);
    const rows = [];
    for (let i = 0; i < n; i++) (rows[rank[i]] = rows[rank[i]] || []).push(i);
    const BW = 130, GAP = 14, RH = 84;
    const x = new Array(n).fill(0);
    for (const row of rows) {
      const want = row.map((i) => (parents[i].length ? parents[i].reduce((s, e) => s + x[st.edges[e][0]], 0) / parents[i].length : 0));
      const order = row.map((_, k) => k).sort((a, b) => want[a] - want[b] || row[a] - row[b]);
      let prev = -Infinity;  // each node as close to its parents as the nodes to its left allow
      order.forEach((k) => { prev = Math.max(want[k], prev + BW + GAP); x[row[k]] = prev; });
    }
    const lo = Math.min(...x), hi = Math.max(...x);
    const pos = x.map((v, i) => [v - lo + BW / 2 + 16, rank[i] * RH + 40]);
    return { pos: pos, parents: parents, width: hi - lo + BW + 32, height: rows.length * RH + 20, BW: BW, BH: 52 };
  }

  function buildBackprop() {
    const B = bp();
    const sel = $("bp-epoch");
    while (sel.firstChild) sel.removeChild(sel.firstChild);
    B.epochs.forEach((e, i) => text("option", String(e) + (e === 0 ? " (start)" : ""), { value: String(i) }, sel));
    S.bpEpoch = B.epochs.length - 1;
    sel.value = String(S.bpEpoch);
    $("bp-scope").textContent = B.scope_note;
    $("bp-scope-short").textContent = B.scope_short;
    if (S.sample === null || B.samples.indexOf(S.sample) < 0) S.sample = defaultSample();
    S.bpStep = 0;
    drawGraph();
  }

  function defaultSample() {  // the sample with the largest loss at the chosen epoch: its gradients are not 0
    const B = bp(), gs = B.graphs[S.bpEpoch];
    let best = 0;
    gs.forEach((g, k) => { if (g.loss > gs[best].loss) best = k; });
    return B.samples[best];
  }

  function current() {  // the structure and numbers of the selected sample at the selected epoch
    const B = bp();
    const k = B.samples.indexOf(S.sample);
    const g = B.graphs[S.bpEpoch][k];
    return { st: B.structures[g.s], g: g, k: k };
  }

  function drawGraph() {
    const el = $("bp-graph");
    while (el.firstChild) el.removeChild(el.firstChild);
    const { st, g } = current();
    const L = layoutGraph(st);
    el.setAttribute("width", L.width);
    el.setAttribute("height", L.height);
    el.layout = L;
    const edgeEls = st.edges.map(([p, c], e) => {
      const grp = svg("g", { class: "edge", id: `bp-edge-${e}`, "data-parent": p, "data-child": c }, el);
      const [x1, y1] = L.pos[p], [x2, y2] = L.pos[c];
      svg("line", { x1: x1, y1: y1 + L.BH / 2, x2: x2, y2: y2 - L.BH / 2 }, grp);
      const t = 0.62;  // the label nearer the child: the derivative belongs to the child's edge
      text("svg:text", fmt(g.local[e]), { x: x1 + (x2 - x1) * t, y: (y1 + L.BH / 2) + ((y2 - L.BH / 2) - (y1 + L.BH / 2)) * t + 3,
        "text-anchor": "middle", "data-local": String(g.local[e]) }, grp);
      return grp;
    });
    const nodeEls = st.nodes.map((node, i) => {
      const [cx, cy] = L.pos[i];
      const cls = ["node"];
      if (!node.op || st.cut.indexOf(i) >= 0) cls.push("leaf");
      if (st.cut.indexOf(i) >= 0) cls.push("cut");
      const grp = svg("g", { class: cls.join(" "), id: `bp-node-${i}`, "data-index": i, "data-label": node.label,
        transform: `translate(${cx - L.BW / 2},${cy - L.BH / 2})` }, el);
      svg("rect", { width: L.BW, height: L.BH, rx: 6 }, grp);
      const op = opText(node, g.args[String(i)]);
      const isCut = st.cut.indexOf(i) >= 0;  // an input here: its op belongs to the layer below
      const title = node.label && node.op && !isCut ? `${op}  ${node.label}` : (node.label || op);
      text("svg:text", title, { class: "title", x: 7, y: 15 }, grp);
      text("svg:text", `#${i}`, { class: "num", x: L.BW - 6, y: 15, "text-anchor": "end" }, grp);
      text("svg:text", `data ${fmt(g.data[i])}`, { x: 7, y: 30 }, grp);
      text("svg:text", "grad ?", { class: "grad", x: 7, y: 45 }, grp);
      if (st.cut.indexOf(i) >= 0) text("svg:title", "an output of the layer below: its gradient flows on into that layer (not drawn)", {}, grp);
      return grp;
    });
    el.parts = { edges: edgeEls, nodes: nodeEls, parents: L.parents };
    drawPicker();
    showInfo();
    showStep();
  }

  function drawPicker() {
    const B = bp();
    const gs = B.graphs[S.bpEpoch];
    const rings = new Set(B.samples.filter((_, k) => gs[k].loss !== 0));
    const run = D.runs[S.run];
    const f = run.epochs.indexOf(B.epochs[S.bpEpoch]);
    paintBoundary($("bp-picker"), run, run.weights[f], { selected: S.sample, radius: 3.5, rings: rings });
  }

  function showInfo() {
    const { g } = current();
    const box = $("bp-info");
    while (box.firstChild) box.removeChild(box.firstChild);
    const x = D.X[S.sample];
    const rows = [["sample", `#${S.sample}`], ["x", `(${fmt(x[0])}, ${fmt(x[1])})`], ["class", String(D.y[S.sample])],
      ["loss", fmt(g.loss)], ["run", D.runs[S.run].label]];
    rows.forEach(([k, v], i) => {
      if (i) box.appendChild(document.createTextNode(i === 3 ? "" : " · "));
      if (i === 3) box.appendChild(document.createElement("br"));
      text("span", `${k} `, { class: "k" }, box);
      text("span", v, { id: `bp-info-${k}` }, box);
    });
    $("bp-title").textContent = `Computation graph of sample #${S.sample}'s loss, weights after epoch ${bp().epochs[S.bpEpoch]}`;
  }

  function showStep() {
    const { st, g } = current();
    const parts = $("bp-graph").parts;
    const n = st.nodes.length;
    const cur = S.bpStep - 1;  // the node whose gradient became final with the last step
    parts.nodes.forEach((el, i) => {
      el.classList.toggle("done", i < cur);
      el.classList.toggle("current", i === cur);
      el.classList.remove("parent");
      el.querySelector("text.grad").textContent = i <= cur ? `grad ${fmt(g.grad[i])}` : "grad ?";
    });
    parts.edges.forEach((el) => el.classList.remove("active"));
    const sum = $("bp-sum");
    while (sum.firstChild) sum.removeChild(sum.firstChild);
    $("bp-progress").textContent = `${S.bpStep} of ${n} gradients final` + (S.bpStep === n ? ": the backward pass is done." : "");
    $("bp-step").disabled = S.bpStep >= n;
    $("bp-undo").disabled = S.bpStep === 0;
    ["node", "label", "grad", "sum", "terms"].forEach((a) => sum.removeAttribute(`data-${a}`));
    if (cur < 0) {
      sum.textContent = "Press Step backward: the pass starts at the loss and visits the nodes in reverse "
        + "topological order, so each node's grad is final once all its parents are done.";
      return;
    }
    const node = st.nodes[cur];
    const name = `#${cur} ` + (node.label || opText(node, g.args[String(cur)]));
    const terms = parts.parents[cur].map((e) => [g.local[e], g.grad[st.edges[e][0]], e]);
    let total = 0;
    for (const [local, pg] of terms) total = total + local * pg;  // the engine's order and arithmetic
    sum.setAttribute("data-node", String(cur));
    sum.setAttribute("data-label", node.label);
    sum.setAttribute("data-grad", String(g.grad[cur]));
    sum.setAttribute("data-terms", JSON.stringify(terms.map(([a, b]) => [a, b])));
    text("span", `grad(${name})`, { class: "who" }, sum);
    if (cur === 0) {
      sum.setAttribute("data-sum", String(g.grad[0]));
      sum.appendChild(document.createTextNode(` = ${fmt(g.grad[0])}: the start, d loss / d loss = 1`));
    } else {
      sum.setAttribute("data-sum", String(total));
      const shown = terms.slice(0, 12).map(([a, b]) => `${paren(a)} × ${paren(b)}`);
      if (terms.length > 12) shown.push(`… (${terms.length - 12} more terms)`);
      sum.appendChild(document.createTextNode(` = ${shown.join(" + ")} = ${fmt(g.grad[cur])}`));
    }
    parts.nodes[cur].classList.add("current");
    for (const [, , e] of terms) {
      parts.edges[e].classList.add("active");
      parts.nodes[st.edges[e][0]].classList.add("parent");
    }
    scrollIntoGraph(cur);
  }

  function scrollIntoGraph(i) {
    const wrap = $("bp-graph-wrap");
    const L = $("bp-graph").layout;
    if (!L || wrap.clientHeight === 0) return;
    const [x, y] = L.pos[i];
    if (y < wrap.scrollTop + 40 || y > wrap.scrollTop + wrap.clientHeight - 40) wrap.scrollTop = y - wrap.clientHeight / 2;
    if (x < wrap.scrollLeft + 70 || x > wrap.scrollLeft + wrap.clientWidth - 70) wrap.scrollLeft = x - wrap.clientWidth / 2;
  }

  function selectSample(i) {
    S.sample = i;
    S.bpStep = 0;
    const B = bp();
    $("selected-sample").textContent = `Sample #${i} selected: see its backward pass on the Backpropagation tab.`;
    render();
    drawGraph();
  }

  function showView(name) {
    S.view = name;
    $("view-train").hidden = name !== "train";
    $("view-backprop").hidden = name !== "backprop";
    $("tab-train").setAttribute("aria-selected", String(name === "train"));
    $("tab-backprop").setAttribute("aria-selected", String(name === "backprop"));
    if (name === "backprop") drawGraph(); else { buildCharts(); buildNetwork(); render(); }
  }

  // --- 8. wiring ---
  function init() {
    const first = D.runs[0];
    const L = first.layers;
    $("subtitle").textContent = `${D.X.length} samples · MLP(${L[0].nin}, [${L.map((l) => l.nout).join(", ")}]) · `
      + `${first.loss} loss · ${D.runs.length > 1 ? D.runs.map(describeBatch).join(" vs ") : describeBatch(first)}`;
    buildRunButtons();
    slider.addEventListener("input", () => { stop(); setEpoch(Number(slider.value)); });
    $("play").addEventListener("click", play);
    $("step-back").addEventListener("click", () => { stop(); setEpoch(S.epoch - 1); });
    $("step-fwd").addEventListener("click", () => { stop(); setEpoch(S.epoch + 1); });
    $("boundary").addEventListener("click", (ev) => {  // only samples with an exported graph can be picked
      const i = nearestPoint($("boundary"), ev, new Set(bp().samples));
      if (i !== null) selectSample(i);
    });
    $("bp-picker").addEventListener("click", (ev) => {
      const i = nearestPoint($("bp-picker"), ev, new Set(bp().samples));
      if (i !== null) selectSample(i);
    });
    $("bp-epoch").addEventListener("change", () => {
      S.bpEpoch = Number($("bp-epoch").value);
      S.bpStep = 0;
      const e = bp().epochs[S.bpEpoch];
      S.epoch = allEpochs.indexOf(e);
      drawGraph();
    });
    $("bp-step").addEventListener("click", () => { S.bpStep = Math.min(S.bpStep + 1, current().st.nodes.length); showStep(); });
    $("bp-undo").addEventListener("click", () => { S.bpStep = Math.max(0, S.bpStep - 1); showStep(); });
    $("bp-reset").addEventListener("click", () => { S.bpStep = 0; showStep(); });
    $("bp-all").addEventListener("click", () => { S.bpStep = current().st.nodes.length; showStep(); });
    $("tab-train").addEventListener("click", () => showView("train"));
    $("tab-backprop").addEventListener("click", () => showView("backprop"));
    selectRun(0);
    $("selected-sample").textContent = `The ringed point, sample #${S.sample} (the largest loss), is followed on the `
      + "Backpropagation tab; click another point to follow it instead.";
    if (location.hash === "#backprop") showView("backprop");
  }

  // for tests and the curious: the forward pass and where each point is drawn
  window.tinygradExplorer = {
    data: D,
    forward: (run, frame, x) => forward(D.runs[run], D.runs[run].weights[frame], x),
    pointOnCanvas: (canvasId, i) => {
      const c = $(canvasId), r = c.getBoundingClientRect();
      const [px, py] = toPx(c, D.X[i]);
      return [r.left + px * r.width / c.width, r.top + py * r.height / c.height];
    },
    state: S,
  };
  init();
})();
