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

  // the page's words, in its language (D.lang), from tinygrad_dk/explorer/words.json; {name} filled from vars
  function say(key, vars) {
    if (!Object.prototype.hasOwnProperty.call(D.words, key)) throw new Error(`explorer: no words for "${key}"`);
    return D.words[key].replace(/\{(\w+)\}/g, (m, name) => {
      if (!vars || !Object.prototype.hasOwnProperty.call(vars, name)) throw new Error(`explorer: "${key}" needs ${name}`);
      return String(vars[name]);
    });
  }

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
    if (run.batch_size === null) return say("describe_full");
    if (run.batch_size === 1) return say("describe_sgd");
    return say("describe_mini", { size: run.batch_size });
  }

  function buildRunButtons() {
    const box = $("run-select");
    if (D.runs.length < 2) { box.hidden = true; return; }
    text("span", say("run_select"), { class: "note" }, box);
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
    text("svg:text", say("axis_epoch"), { class: "tick", x: W - CH.right, y: H - 2, "text-anchor": "end" }, el);
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
      if (n > shown[c]) text("svg:text", say("more_neurons", { n: n - shown[c] }), { x: colX(c), y: H - 18, "text-anchor": "middle",
        class: "tick", fill: "#5b6475", "font-size": 11 }, el);
      const name = c === 0 ? say("layer_input") : (c === cols - 1 ? say("layer_output") : `L${c}`);
      const edge = c === 0 ? [4, "start"] : (c === cols - 1 ? [W - 4, "end"] : [colX(c), "middle"]);
      text("svg:text", c === 0 ? name : `${name} · ${run.layers[c - 1].activation}`, { x: edge[0], y: H - 3,
        "text-anchor": edge[1], fill: "#5b6475", "font-size": 11 }, el);
    });
    el.net = { lines: lines, circles: circles, maxAbs: maxAbs };
    $("network-caption").textContent = say("network_caption", { widest: fmt(maxAbs) })
      + (sizes.some((n) => n > MAXN) ? say("network_wide", { n: MAXN }) : "");
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
    $("epoch-label").textContent = epoch === 0 ? say("epoch_start", { total: total })
      : say("epoch_of", { epoch: epoch, total: total });
    $("epoch-label").setAttribute("data-epoch", String(epoch));
    paintBoundary($("boundary"), run, w, { selected: S.sample, radius: 4.5 });
    $("boundary").setAttribute("data-epoch", String(run.epochs[f]));
    $("boundary-caption").textContent = say("boundary_caption", { run: run.label, epoch: run.epochs[f] });
    moveMarker($("loss-chart"), epoch);
    moveMarker($("acc-chart"), epoch);
    paintNetwork(w);
    const stats = $("epoch-stats");
    while (stats.firstChild) stats.removeChild(stats.firstChild);
    if (epoch >= 1 && epoch <= total) {
      const parts = [[say("stat_loss"), fmt(run.history.loss[epoch - 1])],
        [say("stat_accuracy"), `${(100 * run.history.accuracy[epoch - 1]).toFixed(1)}%`],
        [say("stat_lr"), fmt(run.history.lr[epoch - 1])], [say("stat_updates"), String(run.updatesSoFar[epoch - 1])]];
      parts.forEach(([k, v], i) => {
        if (i) stats.appendChild(document.createTextNode(" · "));
        stats.appendChild(document.createTextNode(`${k} `));
        text("b", v, {}, stats);
      });
    } else {
      stats.textContent = say("stats_start");
    }
    D.runs.forEach((r, i) => {
      const t = $(`thumb-${i}`);
      if (t) paintBoundary(t.querySelector("canvas"), r, r.weights[frameIndex(r, epoch)], { radius: 2, grid: 40 });
    });
    showWarnings(run, epoch);
  }

  // fit's warnings to the learner (History.warnings): each from the epoch where it started, in fit's words
  function showWarnings(run, epoch) {
    const list = $("warnings-list");
    while (list.firstChild) list.removeChild(list.firstChild);
    const before = S.epoch > 0 ? allEpochs[S.epoch - 1] : -1;  // the epoch shown one step back
    const started = run.warnings.filter((w) => w.epoch <= epoch);
    for (const w of started) {
      const fresh = w.epoch > before;
      const item = text("li", "", { class: fresh ? "warning new" : "warning", "data-epoch": String(w.epoch),
        "data-cause": w.cause }, list);
      text("b", say("warning_since", { epoch: w.epoch }), {}, item);
      if (fresh) text("span", say("warning_new"), { class: "badge" }, item);
      text("span", w.message, { class: "message" }, item);
    }
    $("warnings").hidden = started.length === 0;
  }

  function setEpoch(i) {
    S.epoch = Math.max(0, Math.min(allEpochs.length - 1, i));
    render();
  }

  function play() {
    if (S.playing) { stop(); return; }
    if (S.epoch >= allEpochs.length - 1) S.epoch = 0;
    S.playing = true;
    $("play").textContent = say("pause");
    S.timer = setInterval(() => {
      if (S.epoch >= allEpochs.length - 1) { stop(); return; }
      setEpoch(S.epoch + 1);
    }, 90);
  }
  function stop() {
    S.playing = false;
    if (S.timer !== null) clearInterval(S.timer);
    S.timer = null;
    $("play").textContent = say("play");
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

  function prepare(st) {  // once per structure: each node's parent edges and, folded, its neuron
    if (st.parents) return;
    st.parents = st.nodes.map(() => []);
    st.children = st.nodes.map(() => []);
    st.edges.forEach(([p, c], e) => { st.parents[c].push(e); st.children[p].push(e); });  // in the engine's order
    st.owner = st.nodes.map(() => -1);
    (st.neurons || []).forEach((nr, k) => {
      for (const i of [nr.out, nr.sum, ...nr.params]) st.owner[i] = k;
    });
  }

  // every node's data and every edge's local derivative: the exported numbers, with the weights' data taken
  // from the run's weights and each local that is the "same" as a node's data taken from that node
  function resolve(st, g, weights) {
    if (g.full) return g.full;
    const data = g.data.slice();
    for (let i = st.steps; i < st.nodes.length; i++) data.push(weights[st.nodes[i].param]);
    let k = 0;
    const local = st.same.map((s) => (s >= 0 ? data[s] : g.local[k++]));
    g.full = { data: data, grad: g.grad, local: local };
    return g.full;
  }

  // the whole graph: rows by longest distance from the loss, top to bottom; in a row by the parents' x
  function layoutWhole(st) {
    const n = st.nodes.length;
    const rank = new Array(n).fill(0);
    for (let i = 1; i < n; i++) for (const e of st.parents[i]) rank[i] = Math.max(rank[i], rank[st.edges[e][0]] + 1);
    const rows = [];
    for (let i = 0; i < n; i++) (rows[rank[i]] = rows[rank[i]] || []).push(i);
    const BW = 130, BH = 52, GAP = 14, RH = 84;
    const x = new Array(n).fill(0);
    for (const row of rows) {
      const want = row.map((i) => (st.parents[i].length
        ? st.parents[i].reduce((s, e) => s + x[st.edges[e][0]], 0) / st.parents[i].length : 0));
      const order = row.map((_, k) => k).sort((a, b) => want[a] - want[b] || row[a] - row[b]);
      let prev = -Infinity;  // each node as close to its parents as the nodes to its left allow
      order.forEach((k) => { prev = Math.max(want[k], prev + BW + GAP); x[row[k]] = prev; });
    }
    const lo = Math.min(...x), hi = Math.max(...x);
    const rect = x.map((v, i) => ({ x: v - lo + 16, y: rank[i] * RH + 14, w: BW, h: BH }));
    const edges = st.edges.map(([p, c]) => {
      const a = rect[p], b = rect[c];
      const x1 = a.x + BW / 2, y1 = a.y + BH, x2 = b.x + BW / 2, y2 = b.y;
      const t = 0.62;  // the label nearer the child: the derivative belongs to the child's edge
      return { d: `M${x1},${y1}L${x2},${y2}`, lx: x1 + (x2 - x1) * t, ly: y1 + (y2 - y1) * t + 3 };
    });
    return { rect: rect, edges: edges, boxes: [], width: hi - lo + BW + 32, height: rows.length * RH + 4 };
  }

  // one box per neuron, left to right: the inputs, each layer, and the loss's own nodes: above the output layer
  // when they fit there, else in a column of their own
  const NB = { name: 48, w: 200, row: 15, pad: 2, gap: 6, col: 56, leafW: 100, opW: 120, leafH: 50, head: 20,
    data: 30, grad: 92 };
  function layoutNeurons(st) {
    const layers = Math.max(...st.neurons.map((nr) => nr.layer));
    const cols = Array.from({ length: layers + 1 }, () => []);  // per column, from the top: {h, w, node | neuron}
    const rect = st.nodes.map(() => null);
    const boxes = [], heads = [], lossCol = [];
    for (let i = 0; i < st.steps; i++) {  // the inputs, and the loss's nodes
      if (st.owner[i] >= 0) continue;
      if (!st.nodes[i].op) cols[0].push({ h: NB.leafH, node: i, w: NB.leafW });
      else lossCol.push({ h: NB.leafH, node: i, w: NB.opW, loss: true });
    }
    st.neurons.forEach((nr, k) => {
      const first = !cols[nr.layer].some((b) => b.neuron !== undefined);
      cols[nr.layer].push({ h: (nr.out === nr.sum ? 1 : 2) * NB.row + 2 * NB.pad, neuron: k, w: NB.w, first: first });
    });
    const space = (b, prev) => (prev ? NB.gap * (prev.loss || b.first ? 2 : 1) : 0) + (b.first ? NB.head : 0);
    const height = (c) => c.reduce((s, b, k) => s + b.h + space(b, c[k - 1]), 0);
    const others = Math.max(...cols.slice(0, layers).map(height));
    if (height(lossCol.concat(cols[layers])) <= Math.max(others, 300)) cols[layers] = lossCol.concat(cols[layers]);
    else cols.push(lossCol);
    const colW = cols.map((c) => Math.max(...c.map((b) => b.w)));
    const heights = cols.map(height);
    const H = Math.max(...heights.slice(0, layers + 1));
    let x = 12;
    cols.forEach((c, ci) => {
      let y = 10 + Math.max(0, (H - heights[ci]) / 2);
      c.forEach((b, k) => {
        y += space(b, c[k - 1]);
        const bx = x + (colW[ci] - b.w) / 2;
        if (b.node !== undefined) rect[b.node] = { x: bx, y: y, w: b.w, h: b.h };
        else {
          const nr = st.neurons[b.neuron];
          if (b.first) heads.push({ x: bx, y: y - 6, text: `L${nr.layer} · ${nr.activation}` });
          boxes.push({ neuron: b.neuron, x: bx, y: y, w: b.w, h: b.h });
          const r0 = { x: bx + NB.name, y: y + NB.pad, w: b.w - NB.name - NB.pad, h: NB.row };
          rect[nr.out] = r0;
          if (nr.sum !== nr.out) rect[nr.sum] = { x: r0.x, y: r0.y + NB.row, w: r0.w, h: NB.row };
        }
        y += b.h;
      });
      x += colW[ci] + NB.col;
    });
    const boxOf = (i) => (st.owner[i] >= 0 ? boxes.find((b) => b.neuron === st.owner[i]) : rect[i]);
    const edges = st.edges.map(([p, c]) => {
      if (!rect[c] || st.owner[p] === st.owner[c] && st.owner[p] >= 0) return null;  // a weight, or inside a box
      const a = rect[p], b = rect[c], A = boxOf(p), Bx = boxOf(c);
      if (A.x > Bx.x + Bx.w) {  // from a box's left side to an input's right side; the label at the parent
        const x1 = A.x, y1 = a.y + a.h / 2, x2 = Bx.x + Bx.w, y2 = b.y + b.h / 2;
        return { d: `M${x1},${y1}L${x2},${y2}`, lx: x1 - 3, ly: y1 - 2, anchor: "end" };
      }
      const x1 = A.x + A.w / 2, y1 = A.y + A.h, x2 = Bx.x + Bx.w / 2, y2 = Bx.y;  // down the same column
      if (Math.abs(x1 - x2) < 1 && y2 - y1 < 3 * NB.gap + NB.head) {
        return { d: `M${x1},${y1}L${x2},${y2}`, lx: x1 + 6, ly: (y1 + y2) / 2 + 3, anchor: "start" };
      }
      const r1 = A.x + A.w, r2 = Bx.x + Bx.w, bulge = Math.max(r1, r2) + 24;  // around the boxes between
      const ya = a.y + a.h / 2, yb = b.y + b.h / 2;
      return { d: `M${r1},${ya}C${bulge},${ya} ${bulge},${yb} ${r2},${yb}`, lx: bulge - 4, ly: (ya + yb) / 2 + 3,
        anchor: "start" };
    });
    return { rect: rect, edges: edges, boxes: boxes, heads: heads, width: x - NB.col + 40,
      height: Math.max(...heights) + 20 };
  }

  function buildBackprop() {
    const B = bp();
    const sel = $("bp-epoch");
    while (sel.firstChild) sel.removeChild(sel.firstChild);
    B.epochs.forEach((e, i) => text("option", e === 0 ? say("bp_epoch_start", { epoch: e }) : String(e),
      { value: String(i) }, sel));
    S.bpEpoch = B.epochs.length - 1;
    sel.value = String(S.bpEpoch);
    $("bp-scope").textContent = B.scope_note;
    $("bp-scope-short").textContent = B.scope_short;
    B.structures.forEach(prepare);
    buildLegend(B.scope === "neurons");
    if (S.sample === null || B.samples.indexOf(S.sample) < 0) S.sample = defaultSample();
    S.bpStep = 0;
    drawGraph();
  }

  function buildLegend(folded) {
    const leg = $("bp-legend");
    while (leg.firstChild) leg.removeChild(leg.firstChild);
    const items = [["#fff4d1", "2px solid #e6a100", say("legend_now")], ["#fff", "2px solid #7b3fb0", say("legend_parents")],
      ["#eef6ee", "1px solid #6aa56a", say("legend_final")]];
    if (folded) {
      items.push(["#fff", "2px dashed #2f5fb3", say("legend_inputs")]);
      items.push(["#f7f8fb", "1px solid #9aa2b1", say("legend_neuron")]);
    }
    items.forEach(([bg, border, what]) => {
      const s = text("span", "", {}, leg);
      const sw = text("span", "", { class: "swatch" }, s);
      sw.style.background = bg;
      sw.style.border = border;
      s.appendChild(document.createTextNode(what));
    });
    text("span", say(folded ? "legend_edge_folded" : "legend_edge"), {}, leg);
  }

  function defaultSample() {  // the sample with the largest loss at the chosen epoch: its gradients are not 0
    const B = bp(), gs = B.graphs[S.bpEpoch];
    let best = 0;
    gs.forEach((g, k) => { if (g.loss > gs[best].loss) best = k; });
    return B.samples[best];
  }

  function current() {  // the structure and numbers of the selected sample at the selected epoch
    const B = bp(), run = D.runs[S.run];
    const k = B.samples.indexOf(S.sample);
    const g = B.graphs[S.bpEpoch][k];
    const st = B.structures[g.s];
    return { st: st, g: g, k: k, R: resolve(st, g, run.weights[run.epochs.indexOf(B.epochs[S.bpEpoch])]) };
  }

  function nodeName(st, g, i) {
    const node = st.nodes[i];
    return node.label || opText(node, g.args[String(i)]);
  }

  function drawGraph() {
    const el = $("bp-graph");
    while (el.firstChild) el.removeChild(el.firstChild);
    const { st, g, R } = current();
    const folded = !!st.neurons;
    const L = folded ? layoutNeurons(st) : layoutWhole(st);
    el.layout = L;
    el.classList.toggle("folded", folded);
    const edgeEls = st.edges.map(([p, c], e) => {
      const geo = L.edges[e];
      if (!geo) return null;
      const grp = svg("g", { class: "edge", id: `bp-edge-${e}`, "data-parent": p, "data-child": c }, el);
      svg("path", { d: geo.d }, grp);
      text("svg:text", fmt(R.local[e]), { x: geo.lx, y: geo.ly, "text-anchor": geo.anchor || "middle",
        "data-local": String(R.local[e]) }, grp);
      return grp;
    });
    for (const h of L.heads || []) {  // over each layer: its name and the rows' columns
      text("svg:text", h.text, { class: "head", x: h.x, y: h.y }, el);
      text("svg:text", "data", { class: "head", x: h.x + NB.name + NB.data, y: h.y }, el);
      text("svg:text", "grad", { class: "head", x: h.x + NB.name + NB.grad, y: h.y }, el);
    }
    const boxEls = L.boxes.map((b) => {
      const nr = st.neurons[b.neuron];
      const grp = svg("g", { class: "neuron", id: `bp-neuron-${b.neuron}`, "data-label": nr.label,
        transform: `translate(${b.x},${b.y})` }, el);
      svg("rect", { width: b.w, height: b.h, rx: 6 }, grp);
      text("svg:text", nr.label, { class: "title", x: 6, y: b.h / 2 + 4 }, grp);
      text("svg:title", say("neuron_tip", { neuron: nr.label, activation: nr.activation }), {}, grp);
      grp.addEventListener("click", () => stepTo(nr.sum));
      return grp;
    });
    const nodeEls = st.nodes.map((node, i) => {
      const r = L.rect[i];
      if (!r) return null;
      const grp = svg("g", { class: "node", id: `bp-node-${i}`, "data-index": i, "data-label": node.label,
        transform: `translate(${r.x},${r.y})` }, el);
      const nr = st.owner[i] >= 0 ? st.neurons[st.owner[i]] : null;
      if (nr) {  // a row of a neuron's box: "out" or "sum", its data and its grad
        grp.classList.add("row");
        svg("rect", { width: r.w, height: r.h, rx: 3 }, grp);
        text("svg:text", i === nr.sum ? "sum" : "out", { class: "what", x: 4, y: r.h - 4 }, grp);
        text("svg:text", fmt(R.data[i]), { x: NB.data, y: r.h - 4 }, grp);
        text("svg:text", "?", { class: "grad", x: NB.grad, y: r.h - 4 }, grp);
      } else {
        if (!node.op) grp.classList.add("leaf");
        svg("rect", { width: r.w, height: r.h, rx: 6 }, grp);
        const op = opText(node, g.args[String(i)]);
        text("svg:text", node.label && node.op ? `${op}  ${node.label}` : (node.label || op),
          { class: "title", x: 7, y: 15 }, grp);
        if (!folded) text("svg:text", `#${i}`, { class: "num", x: r.w - 6, y: 15, "text-anchor": "end" }, grp);
        text("svg:text", `data ${fmt(R.data[i])}`, { x: 7, y: 30 }, grp);
        text("svg:text", "grad ?", { class: "grad", x: 7, y: 45 }, grp);
      }
      grp.addEventListener("click", (ev) => { ev.stopPropagation(); stepTo(i); });
      return grp;
    });
    el.parts = { edges: edgeEls, nodes: nodeEls, boxes: boxEls };
    fitGraph();
    drawPicker();
    showInfo();
    showStep();
  }

  // scale the graph down to the panel's width (not below MIN_SCALE: then it scrolls), never up
  const MIN_SCALE = 0.7;
  function fitGraph() {
    const el = $("bp-graph"), L = el.layout, wrap = $("bp-graph-wrap");
    if (!L) return;
    const room = wrap.clientWidth - 2;
    const s = room > 0 ? Math.min(1, Math.max(MIN_SCALE, room / L.width)) : 1;
    L.scale = s;
    el.setAttribute("viewBox", `0 0 ${L.width} ${L.height}`);
    el.setAttribute("width", String(Math.floor(L.width * s)));
    el.setAttribute("height", String(Math.ceil(L.height * s)));
    el.setAttribute("data-scale", s.toFixed(3));
  }

  function stepTo(i) {  // run the backward pass up to node i (a step), or back to it
    const { st } = current();
    if (i >= st.steps) return;
    S.bpStep = i + 1;
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
    const rows = [["sample", say("info_sample"), `#${S.sample}`], ["x", "x", `(${fmt(x[0])}, ${fmt(x[1])})`],
      ["class", say("info_class"), String(D.y[S.sample])], ["loss", say("info_loss"), fmt(g.loss)],
      ["run", say("info_run"), D.runs[S.run].label]];
    rows.forEach(([id, k, v], i) => {  // id: the hook, the same in every language; k: what the page says
      if (i) box.appendChild(document.createTextNode(i === 3 ? "" : " · "));
      if (i === 3) box.appendChild(document.createElement("br"));
      text("span", `${k} `, { class: "k" }, box);
      text("span", v, { id: `bp-info-${id}` }, box);
    });
    $("bp-title").textContent = say("bp_title", { sample: S.sample, epoch: bp().epochs[S.bpEpoch] });
  }

  function isFinal(st, i, cur) {  // a step's grad is final once stepped; a weight's once its parents' are
    if (i < st.steps) return i <= cur;
    return st.parents[i].every((e) => st.edges[e][0] <= cur);
  }

  // one written-out sum: "grad(name) = local × parent grad + ... = total", with the numbers as data-* hooks
  const MAX_TERMS = 40;
  function writeSum(box, st, g, R, i, name) {
    const line = text("div", "", { class: "bp-line" }, box);
    const terms = st.parents[i].map((e) => [R.local[e], R.grad[st.edges[e][0]], e]);
    let total = 0;
    for (const [local, pg] of terms) total = total + local * pg;  // the engine's order and arithmetic
    const sum = i === 0 ? R.grad[0] : total;
    const hooks = { node: i, label: st.nodes[i].label, grad: R.grad[i], sum: sum,
      terms: JSON.stringify(terms.map(([a, b]) => [a, b])) };
    for (const k in hooks) line.setAttribute(`data-${k}`, String(hooks[k]));
    text("span", `grad(${name})`, { class: "who" }, line);
    if (i === 0) {
      line.appendChild(document.createTextNode(` = ${fmt(R.grad[0])}${say("sum_start")}`));
      return { hooks: hooks, terms: terms };
    }
    line.appendChild(document.createTextNode(" = "));
    terms.slice(0, MAX_TERMS).forEach(([a, b, e], k) => {
      if (k) line.appendChild(document.createTextNode(" + "));
      const p = st.edges[e][0];
      text("span", `${paren(a)} × ${paren(b)}`, { class: "term",
        title: `d ${nodeName(st, g, p)} / d ${nodeName(st, g, i)} × grad(${nodeName(st, g, p)})` }, line);
    });
    if (terms.length > MAX_TERMS) line.appendChild(document.createTextNode(say("more_terms", { n: terms.length - MAX_TERMS })));
    line.appendChild(document.createTextNode(` = ${fmt(R.grad[i])}`));
    return { hooks: hooks, terms: terms };
  }

  function showStep() {
    const { st, g, R } = current();
    const parts = $("bp-graph").parts;
    const n = st.steps;
    const cur = S.bpStep - 1;  // the node whose gradient became final with the last step
    parts.nodes.forEach((el, i) => {
      if (!el) return;
      const done = isFinal(st, i, cur);
      el.classList.toggle("done", done && i !== cur);
      el.classList.toggle("current", i === cur);
      el.classList.remove("parent", "feeds");
      const g = el.classList.contains("row") ? "" : "grad ";  // a neuron's rows have a "grad" column
      el.querySelector("text.grad").textContent = done ? `${g}${fmt(R.grad[i])}` : `${g}?`;
    });
    parts.boxes.forEach((el, k) => el.classList.toggle("active", cur >= 0 && st.owner[cur] === k));
    parts.edges.forEach((el) => { if (el) el.classList.remove("active", "feeds"); });
    const sum = $("bp-sum");
    while (sum.firstChild) sum.removeChild(sum.firstChild);
    let finals = 0;
    for (let i = 0; i < st.nodes.length; i++) if (isFinal(st, i, cur)) finals++;
    $("bp-progress").textContent = (n === st.nodes.length ? say("progress_whole", { step: S.bpStep, steps: n })
      : say("progress_folded", { step: S.bpStep, steps: n, final: finals, nodes: st.nodes.length }))
      + (S.bpStep === n ? say("progress_done") : "");
    $("bp-step").disabled = S.bpStep >= n;
    $("bp-undo").disabled = S.bpStep === 0;
    ["node", "label", "grad", "sum", "terms"].forEach((a) => sum.removeAttribute(`data-${a}`));
    if (cur < 0) {
      sum.textContent = say("bp_hint", { button: say("bp_step") });
      return;
    }
    const { hooks, terms } = writeSum(sum, st, g, R, cur, `#${cur} ${nodeName(st, g, cur)}`);
    for (const k in hooks) sum.setAttribute(`data-${k}`, String(hooks[k]));
    const nr = st.owner[cur] >= 0 ? st.neurons[st.owner[cur]] : null;
    if (nr && cur === nr.sum) {  // its weights and bias: one term each, final now; their inputs marked
      for (const e of st.children[cur]) {
        const c = parts.nodes[st.edges[e][1]];
        if (parts.edges[e]) parts.edges[e].classList.add("feeds");
        if (c && st.owner[st.edges[e][1]] !== st.owner[cur]) c.classList.add("feeds");
      }
      text("p", say("weights_final", { neuron: nr.label, sum: st.nodes[cur].label }), { class: "note" }, sum);
      const list = text("div", "", { class: "bp-weights", id: "bp-weights" }, sum);
      for (const p of nr.params) {
        writeSum(list, st, g, R, p, st.nodes[p].label);
        const e = st.parents[p][0];  // d sum / d w is w's input; d sum / d b is 1
        text("span", st.same[e] >= 0 ? say("from_input", { name: nodeName(st, g, st.same[e]) }) : say("from_bias"),
          { class: "from" }, list.lastChild);
      }
    }
    if (parts.nodes[cur]) parts.nodes[cur].classList.add("current");
    for (const [, , e] of terms) {
      if (parts.edges[e]) parts.edges[e].classList.add("active");
      const p = parts.nodes[st.edges[e][0]];
      if (p) p.classList.add("parent");
    }
    scrollIntoGraph(cur);
  }

  function scrollIntoGraph(i) {
    const wrap = $("bp-graph-wrap");
    const L = $("bp-graph").layout;
    if (!L || !L.rect[i] || wrap.clientHeight === 0) return;
    const s = L.scale || 1, r = L.rect[i];
    const x = (r.x + r.w / 2) * s, y = (r.y + r.h / 2) * s;
    if (y < wrap.scrollTop + 40 || y > wrap.scrollTop + wrap.clientHeight - 40) wrap.scrollTop = y - wrap.clientHeight / 2;
    if (x < wrap.scrollLeft + 70 || x > wrap.scrollLeft + wrap.clientWidth - 70) wrap.scrollLeft = x - wrap.clientWidth / 2;
  }

  function selectSample(i) {
    S.sample = i;
    S.bpStep = 0;
    const B = bp();
    $("selected-sample").textContent = say("sample_selected", { sample: i });
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
    $("subtitle").textContent = say("subtitle", { samples: D.X.length,
      model: `MLP(${L[0].nin}, [${L.map((l) => l.nout).join(", ")}])`, loss: first.loss,
      batches: D.runs.map(describeBatch).join(say("versus")) });
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
    $("bp-step").addEventListener("click", () => { S.bpStep = Math.min(S.bpStep + 1, current().st.steps); showStep(); });
    $("bp-undo").addEventListener("click", () => { S.bpStep = Math.max(0, S.bpStep - 1); showStep(); });
    $("bp-reset").addEventListener("click", () => { S.bpStep = 0; showStep(); });
    $("bp-all").addEventListener("click", () => { S.bpStep = current().st.steps; showStep(); });
    window.addEventListener("resize", () => { if (S.view === "backprop") fitGraph(); });
    $("tab-train").addEventListener("click", () => showView("train"));
    $("tab-backprop").addEventListener("click", () => showView("backprop"));
    selectRun(0);
    $("selected-sample").textContent = say("sample_followed", { sample: S.sample });
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
