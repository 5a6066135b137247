// The gradlab playground's page. It draws what the server computed and sends edits and
// commands; no number of the network is computed here.
"use strict";

const $ = (id) => document.getElementById(id);
let options = null;       // the choices, from gradlab's registries
let sessionId = null;
let view = null;          // the last answer of the server
let history = { train: [], test: [] };
let points = null;
let playing = false;
let selected = null;      // { kind: "neuron", layer, neuron } or { kind: "weight", key, ... }
let csvText = null;
let csvName = null;

// ---------------------------------------------------------------- talking to the server
async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (path === "api/export" && body.format === "model" && response.ok) return response.blob();
  let data;
  try { data = await response.json(); } catch (e) { data = { error: `the server answered ${response.status}` }; }
  if (!response.ok) throw new Error(data.error || `the server answered ${response.status}`);
  return data;
}

function message(text, info) {
  const box = $("message");
  const className = info ? "info" : "";
  // Unchanged text is not written again: each write costs a page layout during Play.
  if (box.textContent !== (text || "")) box.textContent = text || "";
  if (box.className !== className) box.className = className;
}

async function guarded(action) {
  try { await action(); } catch (error) { await stopPlaying(); message(error.message); }
}

// ---------------------------------------------------------------- settings and the link
function encodeState(state) {
  const bytes = new TextEncoder().encode(JSON.stringify(state));
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decodeState(text) {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(padded + "=".repeat((4 - (padded.length % 4)) % 4));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

function shareState() {
  const state = JSON.parse(JSON.stringify(view.state));
  if (state.data.source === "csv" && state.data.text.length > 60000) {
    message("the CSV is too large to travel in the link; the link holds the other settings", true);
    return null;
  }
  return state;
}

function updateLink() {
  if (!view) return;
  const state = shareState();
  if (state) history_replace("#s=" + encodeState(state));
}

function history_replace(hash) { window.history.replaceState(null, "", hash); }

function fillSelect(select, values, labels) {
  select.innerHTML = "";
  values.forEach((value, k) => {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = labels ? labels[k] : value;
    select.appendChild(option);
  });
}

function dataChoices() {
  const select = $("data");
  select.innerHTML = "";
  const groups = [
    ["Data sets", options.datasets.map((d) => ["dataset:" + d.name, d.title])],
    ["Worked examples", options.examples.map((e) => ["example:" + e.name, e.title])],
    ["Your data", [["csv:", "CSV file…"]]],
  ];
  for (const [title, items] of groups) {
    const group = document.createElement("optgroup");
    group.label = title;
    for (const [value, label] of items) {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = label;
      group.appendChild(option);
    }
    select.appendChild(group);
  }
}

function hiddenLayerControl(layer) {
  const span = document.createElement("span");
  span.className = "hidden-layer";
  const units = document.createElement("input");
  units.type = "text";
  units.value = layer.units;
  units.className = "units";
  units.title = "neurons";
  const act = document.createElement("select");
  act.className = "activation";
  fillSelect(act, options.activations);
  act.value = layer.activation;
  span.append(units, " ", act);
  return span;
}

function showSettings(state) {
  const data = state.data;
  $("data").value = data.source === "dataset" ? "dataset:" + data.name
    : data.source === "example" ? "example:" + data.name : "csv:";
  $("dataset-options").hidden = data.source !== "dataset";
  $("csv-options").hidden = data.source !== "csv";
  if (data.source === "dataset") {
    $("noise").value = data.noise;
    $("train-ratio").value = data.train_ratio;
    $("points").value = data.points;
    $("data-seed").value = data.seed;
  }
  const example = options.examples.find((e) => data.source === "example" && e.name === data.name);
  $("example-note").textContent = example ? example.note : "";
  const hidden = $("hidden-layers");
  hidden.innerHTML = "hidden layers: ";
  state.hidden.forEach((layer) => hidden.appendChild(hiddenLayerControl(layer)));
  $("output-activation").value = state.output_activation;
  $("loss").value = state.loss;
  $("optimizer").value = state.optimizer;
  $("lr").value = state.lr;
  $("batch-size").value = state.batch_size;
  $("regularization").value = state.regularization;
  $("reg-rate").value = state.reg_rate;
  $("seed").value = state.seed;
}

function dataFromControls() {
  const [source, name] = $("data").value.split(":");
  if (source === "example") return { source, name };
  if (source === "csv") {
    return { source, text: csvText, filename: csvName, target: $("csv-target").value,
      train_ratio: $("train-ratio").value };
  }
  return { source, name, noise: $("noise").value, train_ratio: $("train-ratio").value,
    points: $("points").value, seed: $("data-seed").value };
}

function settingsFromControls() {
  const hidden = [...document.querySelectorAll(".hidden-layer")].map((span) => ({
    units: span.querySelector(".units").value,
    activation: span.querySelector(".activation").value,
  }));
  const state = {
    data: dataFromControls(),
    hidden,
    output_activation: $("output-activation").value,
    loss: $("loss").value,
    optimizer: $("optimizer").value,
    lr: $("lr").value,
    batch_size: $("batch-size").value,
    regularization: $("regularization").value,
    reg_rate: $("reg-rate").value,
    seed: $("seed").value,
    example_defaults: false,
  };
  const sameData = view && JSON.stringify(view.state.data) === JSON.stringify(state.data);
  const sameSeed = view && String(view.state.seed) === String(state.seed);
  state.weights = sameData && sameSeed ? view.network.layers.map((l) => ({ weight: l.weight, bias: l.bias })) : null;
  return state;
}

// ---------------------------------------------------------------- commands
async function start(state) {
  await stopPlaying();
  const answer = await post("api/session", { state });
  sessionId = answer.session;
  show(answer);
}

async function step(count, explain) {
  show(await post("api/step", { session: sessionId, steps: count, explain }));
}

// Play keeps two requests of `steps per frame` steps in flight, so that the server computes
// the next frame while the page draws this one, and draws the newest frame once per
// animation frame. A frame holds only what moves (weights, heat maps, losses); on Pause the
// page asks for the whole view (gradients, the link) once.
let pending = null;
let framesDrawn = 0;
let playLoop = null;

function drawWhenReady() {
  requestAnimationFrame(() => {
    if (pending) {
      showFrame(pending);
      pending = null;
      framesDrawn += 1;
      document.body.dataset.frames = framesDrawn;
    }
    if (playing) drawWhenReady();
  });
}

function keepLosses(answer) {
  // history[s] is the loss after step s (one point per answer), whatever order they arrive in.
  history.train[answer.steps] = answer.loss.train;
  history.test[answer.steps] = answer.loss.test;
}

async function playing_loop() {
  const count = Number($("steps-per-frame").value) || 1;
  const body = { session: sessionId, steps: count, frame: true };
  const ask = async () => {
    while (playing) {
      const answer = await post("api/step", body);
      keepLosses(answer);
      if (!pending || answer.steps > pending.steps) pending = answer;
    }
  };
  try {
    await Promise.all([ask(), ask()]);
  } catch (error) {
    playing = false;
    return error.message;
  }
  return null;
}

function play() {
  playing = true;
  $("play").textContent = "Pause";
  drawWhenReady();
  const loop = playing_loop();
  playLoop = loop;
  loop.then((failed) => { if (failed && playLoop === loop) guarded(stopPlaying); });
}

// Pause: wait for the requests in flight, then draw the whole view once.
async function stopPlaying() {
  if (!playLoop) return;
  playing = false;
  $("play").textContent = "Play";
  const loop = playLoop;
  playLoop = null;
  const failed = await loop;
  pending = null;
  if (failed) { message(failed); return; }
  show(await post("api/state", { session: sessionId }));
}

async function setValue(key, value) {
  show(await post("api/weight", { session: sessionId, key, value }));
  message(`${view.network.labels[key] || key} set to ${value}`, true);
}

async function exportAs(format) {
  const answer = await post("api/export", { session: sessionId, format });
  if (format === "model") {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(answer);
    link.download = "network.safetensors";
    link.click();
    $("export-text").value = "network.safetensors downloaded (gl.load reads it).";
    return;
  }
  $("export-text").value = answer.text;
}

// ---------------------------------------------------------------- drawing
const NEGATIVE = [245, 147, 34];
const POSITIVE = [8, 119, 189];

function colour(t) {
  // t in [-1, 1]: orange through white to blue, as TensorFlow Playground colours.
  const c = t < 0 ? NEGATIVE : POSITIVE;
  const s = Math.min(1, Math.abs(t));
  return [255 + (c[0] - 255) * s, 255 + (c[1] - 255) * s, 255 + (c[2] - 255) * s];
}

// The colour of each byte of a heat map (0 is -1, 255 is +1), as one RGBA word.
const PALETTE = (() => {
  const table = new Uint32Array(256);
  const bytes = new Uint8Array(table.buffer);
  for (let k = 0; k < 256; k++) {
    const [r, g, b] = colour(k / 127.5 - 1);
    bytes.set([Math.round(r), Math.round(g), Math.round(b), 255], 4 * k);
  }
  return table;
})();

function paintMap(canvas, base64, size) {
  if (canvas.width !== size || canvas.height !== size) {
    canvas.width = size;
    canvas.height = size;
    canvas.image = null;
  }
  const context = canvas.getContext("2d");
  if (!canvas.image) canvas.image = context.createImageData(size, size);
  const pixels = new Uint32Array(canvas.image.data.buffer);
  const text = atob(base64);
  for (let k = 0; k < text.length; k++) pixels[k] = PALETTE[text.charCodeAt(k)];
  context.putImageData(canvas.image, 0, 0);
}

const GAP_X = 130;
const GAP_Y = 60;

function neuronPosition(layer, index) { return [10 + layer * GAP_X, 10 + index * GAP_Y]; }

let built = null;  // the diagram's elements, rebuilt only when the layers change

function edgeCurve(l, i, j) {
  const [x0, y0] = neuronPosition(l, i);
  const [x1, y1] = neuronPosition(l + 1, j);
  const mid = (x0 + 40 + x1) / 2;
  return [x0 + 40, y0 + 20, mid, y0 + 20, mid, y1 + 20, x1, y1 + 20];
}

// The diagram is one canvas (edges and heat maps, redrawn each frame) under an SVG of
// invisible paths, one per weight, and a box per neuron: those take the clicks and the
// tooltips and do not change while Play runs, so a frame costs the page no layout.
function buildNetwork() {
  const net = view.network;
  const box = $("network");
  box.innerHTML = "";
  const tallest = Math.max(...net.sizes);
  const width = 60 + (net.sizes.length - 1) * GAP_X;
  const height = 30 + tallest * GAP_Y;
  box.style.width = width + "px";
  box.style.height = height + "px";
  const canvas = document.createElement("canvas");
  canvas.className = "diagram";
  canvas.width = width;
  canvas.height = height;
  box.appendChild(canvas);
  const svgNS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(svgNS, "svg");
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  box.appendChild(svg);
  const edges = [];
  net.layers.forEach((layer, l) => {
    layer.weight.forEach((row, i) => row.forEach((w, j) => {
      const c = edgeCurve(l, i, j);
      const path = document.createElementNS(svgNS, "path");
      path.setAttribute("d", `M${c[0]},${c[1]} C${c[2]},${c[3]} ${c[4]},${c[5]} ${c[6]},${c[7]}`);
      const key = `${layer.prefix}weight[${i},${j}]`;
      path.dataset.key = key;
      path.dataset.label = net.labels[key] || key;
      const title = document.createElementNS(svgNS, "title");
      path.appendChild(title);
      path.addEventListener("click", () => select({ kind: "weight", key, layer: l + 1, neuron: j, from: i }));
      svg.appendChild(path);
      edges.push({ path, title, key, curve: c, l, i, j });
    }));
  });
  const cells = [];
  net.sizes.forEach((size, l) => {
    for (let j = 0; j < size; j++) {
      const [x, y] = neuronPosition(l, j);
      const cell = document.createElement("div");
      cell.className = view.maps ? "neuron map" : "neuron";
      cell.style.left = x + "px";
      cell.style.top = y + "px";
      cell.dataset.layer = l;
      cell.dataset.neuron = j;
      if (!view.maps) {
        const name = document.createElement("div");
        name.className = "name";
        name.textContent = l === 0 ? net.inputs[j] : `${l}.${j}`;
        cell.appendChild(name);
      }
      const act = document.createElement("div");
      act.className = "act";
      act.textContent = l === 0 ? net.inputs[j] : net.activations[l - 1];
      cell.appendChild(act);
      if (l > 0) cell.addEventListener("click", () => select({ kind: "neuron", layer: l, neuron: j }));
      box.appendChild(cell);
      cells.push({ cell, x, y, l, j });
    }
  });
  // Every neuron's heat map is one tile of an atlas, filled by one putImageData.
  const atlas = document.createElement("canvas");
  built = { key: JSON.stringify([net.sizes, net.inputs, net.activations, !!view.maps]),
    canvas, edges, cells, atlas };
}

function paintAtlas(atlas, maps) {
  const size = maps.neuron_grid;
  const tiles = maps.neurons.flat();
  const width = size * tiles.length;
  if (atlas.width !== width || atlas.height !== size) {
    atlas.width = width;
    atlas.height = size;
    atlas.image = atlas.getContext("2d").createImageData(width, size);
  }
  const pixels = new Uint32Array(atlas.image.data.buffer);
  tiles.forEach((base64, t) => {
    const text = atob(base64);
    for (let k = 0; k < text.length; k++) {
      pixels[(k / size | 0) * width + t * size + (k % size)] = PALETTE[text.charCodeAt(k)];
    }
  });
  atlas.getContext("2d").putImageData(atlas.image, 0, 0);
}

// A frame of Play redraws the canvas only; a full redraw also writes the selection
// outline and the edges' tooltips.
function drawNetwork(full = true) {
  const net = view.network;
  const key = JSON.stringify([net.sizes, net.inputs, net.activations, !!view.maps]);
  if (!built || built.key !== key || !document.contains(built.canvas)) buildNetwork();
  const context = built.canvas.getContext("2d");
  context.clearRect(0, 0, built.canvas.width, built.canvas.height);
  let chosen = null;
  for (const edge of built.edges) {
    const w = net.layers[edge.l].weight[edge.i][edge.j];
    if (selected && selected.kind === "weight" && selected.key === edge.key) chosen = edge;
    const [r, g, b] = colour(Math.tanh(w));
    const c = edge.curve;
    context.beginPath();
    context.moveTo(c[0], c[1]);
    context.bezierCurveTo(c[2], c[3], c[4], c[5], c[6], c[7]);
    context.strokeStyle = `rgb(${r},${g},${b})`;
    context.lineWidth = Math.max(1.5, Math.min(8, 1 + 2.5 * Math.abs(w)));
    context.stroke();
    if (full) edge.title.textContent = `${edge.path.dataset.label} = ${w}`;
  }
  if (chosen) {
    const c = chosen.curve;
    context.beginPath();
    context.moveTo(c[0], c[1]);
    context.bezierCurveTo(c[2], c[3], c[4], c[5], c[6], c[7]);
    context.strokeStyle = "#d00";
    context.lineWidth = 3;
    context.stroke();
  }
  if (view.maps) {
    paintAtlas(built.atlas, view.maps);
    const size = view.maps.neuron_grid;
    context.imageSmoothingEnabled = false;
    built.cells.forEach(({ x, y }, t) => {
      context.drawImage(built.atlas, t * size, 0, size, size, x + 1, y + 1, 40, 40);
    });
  }
  if (!full) return;
  for (const { cell, l, j } of built.cells) {
    cell.classList.toggle("selected", !!selected && selected.kind === "neuron" && selected.layer === l && selected.neuron === j);
  }
}

// The data points change only with the data: drawn once into a layer of their own.
let pointLayer = null;

function drawPoints(width, height) {
  const layer = document.createElement("canvas");
  layer.width = width;
  layer.height = height;
  const context = layer.getContext("2d");
  const [x0, x1, y0, y1] = view.maps.extent;
  const labels = [...points.train, ...points.test].map((p) => p[2]);
  const scale = [Math.min(...labels, -1), Math.max(...labels, 1)];
  const draw = (p, edge) => {
    const px = ((p[0] - x0) / (x1 - x0)) * width;
    const py = ((y1 - p[1]) / (y1 - y0)) * height;
    const t = view.task === "given" ? (2 * (p[2] - scale[0])) / (scale[1] - scale[0]) - 1 : p[2];
    const [r, g, b] = colour(t);
    context.beginPath();
    context.arc(px, py, 3.5, 0, 2 * Math.PI);
    context.fillStyle = `rgb(${r},${g},${b})`;
    context.fill();
    context.strokeStyle = edge;
    context.stroke();
  };
  points.train.forEach((p) => draw(p, "#fff"));
  points.test.forEach((p) => draw(p, "#000"));
  return { layer, points, extent: view.maps.extent.join(), task: view.task };
}

const outputMap = document.createElement("canvas");

function drawOutput() {
  const canvas = $("output");
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  if (!view.maps) {
    context.fillStyle = "#666";
    context.fillText("the picture needs data with two inputs", 60, 150);
    return;
  }
  paintMap(outputMap, view.maps.output, view.maps.output_grid);
  context.imageSmoothingEnabled = true;
  context.globalAlpha = 0.8;
  context.drawImage(outputMap, 0, 0, canvas.width, canvas.height);
  context.globalAlpha = 1;
  if (!points) return;
  const current = pointLayer;
  if (!current || current.points !== points || current.extent !== view.maps.extent.join()
      || current.task !== view.task) {
    pointLayer = drawPoints(canvas.width, canvas.height);
  }
  context.drawImage(pointLayer.layer, 0, 0);
}

// A long run has more steps than the curve has pixels: one point per pixel column is drawn.
function drawCurve() {
  const canvas = $("curve");
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  const n = Math.max(history.train.length, 2);
  const stride = Math.max(1, Math.ceil(n / canvas.width));
  const seen = (v) => v !== null && v !== undefined && isFinite(v);
  let top = 0;
  for (const series of [history.train, history.test]) {
    for (const v of series) if (seen(v) && v > top) top = v;
  }
  if (!(top > 0)) top = 1;
  for (const [series, stroke] of [[history.train, "#222"], [history.test, "#999"]]) {
    context.beginPath();
    context.strokeStyle = stroke;
    let drawn = false;
    const last = series.length - 1;
    for (let k = 0; k <= last; k = k === last ? last + 1 : Math.min(k + stride, last)) {
      const v = series[k];
      if (!seen(v)) continue;
      const x = (k / (n - 1)) * (canvas.width - 4) + 2;
      const y = canvas.height - 4 - (v / top) * (canvas.height - 10);
      if (drawn) context.lineTo(x, y); else context.moveTo(x, y);
      drawn = true;
    }
    context.stroke();
  }
  const fmt = (v) => (v === null ? "—" : v.toPrecision(4));
  const text = `train loss ${fmt(view.loss.train)} · test loss ${fmt(view.loss.test)}`;
  if ($("losses").textContent !== text) $("losses").textContent = text;
}

function tex(row) {
  const expression = `${row.latex.name} ${row.latex.relation} ${row.latex.rhs}`;
  const div = document.createElement("div");
  div.className = "row";
  div.dataset.name = row.name;
  div.dataset.value = row.value;
  if (window.katex) {
    katex.render(expression, div, { throwOnError: false, displayMode: false });
  } else {
    div.textContent = `${row.name} ${row.relation} ${row.numbers} = ${row.value}`;
  }
  return div;
}

function traceRows(filter) {
  const rows = [];
  if (!view.trace) return rows;
  for (const block of view.trace.blocks) {
    for (const row of block.rows) if (filter(row)) rows.push([block.title, row]);
  }
  return rows;
}

// Typesetting hundreds of rows takes a while: a long step waits until its panel is opened.
const MANY_ROWS = 150;

function drawFormulas() {
  const box = $("formulas");
  box.innerHTML = "";
  $("update-note").textContent = view.trace ? view.trace.title : "";
  const trace = view.trace;
  if (!trace) {
    box.textContent = "Press Step to see every formula of one step.";
    return;
  }
  if (!trace.blocks.length) {
    box.textContent = trace.message || "";
    return;
  }
  const count = trace.blocks.reduce((n, block) => n + block.rows.length, 0);
  $("formula-count").textContent = `(${count} rows)`;
  if (count > MANY_ROWS && !$("formulas-panel").open) return;
  for (const block of trace.blocks) {
    const title = document.createElement("h3");
    title.textContent = block.title;
    box.appendChild(title);
    block.rows.forEach((row) => box.appendChild(tex(row)));
  }
  if (trace.check) {
    const check = document.createElement("p");
    check.textContent = trace.check;
    box.appendChild(check);
  }
}

function editor(key, value, label) {
  const p = document.createElement("p");
  const input = document.createElement("input");
  input.type = "text";
  input.value = String(value);
  input.size = 24;
  input.dataset.key = key;
  input.className = "detail-edit";
  const button = document.createElement("button");
  button.textContent = "Set";
  button.addEventListener("click", () => guarded(() => setValue(key, input.value)));
  input.addEventListener("keydown", (e) => { if (e.key === "Enter") guarded(() => setValue(key, input.value)); });
  p.append(`${label} = `, input, " ", button);
  return p;
}

function drawDetail() {
  const box = $("detail");
  box.innerHTML = "";
  if (!selected) { box.textContent = "Click a neuron or a weight."; return; }
  const net = view.network;
  const layer = net.layers[selected.layer - 1];
  if (!layer || selected.neuron >= layer.weight[0].length) { selected = null; box.textContent = "Click a neuron or a weight."; return; }
  let rows;
  if (selected.kind === "weight") {
    const value = layer.weight[selected.from][selected.neuron];
    box.appendChild(editor(selected.key, value, net.labels[selected.key] || selected.key));
    rows = traceRows((r) => (r.layer === selected.layer && r.neuron === selected.neuron
      && r.section === "forward" && r.kind === "weighted_sum") || r.parameter === selected.key);
  } else {
    const biasKey = `${layer.prefix}bias[${selected.neuron}]`;
    if (layer.bias) box.appendChild(editor(biasKey, layer.bias[selected.neuron], net.labels[biasKey] || biasKey));
    rows = traceRows((r) => (r.layer === selected.layer && r.neuron === selected.neuron
      && r.kind !== "gradient") || r.parameter === biasKey);
  }
  if (!view.trace) {
    box.appendChild(document.createTextNode("Press Step to see this step's formulas."));
  } else if (!rows.length) {
    box.appendChild(document.createTextNode(view.trace.message || "No formula for this one."));
  }
  let lastTitle = null;
  for (const [title, row] of rows) {
    if (title !== lastTitle) {
      const h = document.createElement("h3");
      h.textContent = title;
      box.appendChild(h);
      lastTitle = title;
    }
    box.appendChild(tex(row));
  }
}

function drawWeights() {
  const box = $("weights");
  box.innerHTML = "";
  const net = view.network;
  if (net.n_parameters > 200) { box.textContent = `${net.n_parameters} parameters: click a weight in the diagram to edit it.`; return; }
  const table = document.createElement("table");
  table.innerHTML = "<tr><th>name</th><th>value</th><th>∂L/∂θ (last step)</th></tr>";
  net.layers.forEach((layer) => {
    const entries = [];
    layer.weight.forEach((row, i) => row.forEach((w, j) => entries.push([`${layer.prefix}weight[${i},${j}]`, w,
      layer.weight_grad ? layer.weight_grad[i][j] : null])));
    if (layer.bias) layer.bias.forEach((b, j) => entries.push([`${layer.prefix}bias[${j}]`, b,
      layer.bias_grad ? layer.bias_grad[j] : null]));
    for (const [key, value, grad] of entries) {
      const tr = document.createElement("tr");
      const input = document.createElement("input");
      input.type = "text";
      input.value = String(value);
      input.dataset.key = key;
      input.dataset.label = net.labels[key] || key;
      input.addEventListener("keydown", (e) => { if (e.key === "Enter") guarded(() => setValue(key, input.value)); });
      const name = document.createElement("td");
      name.textContent = net.labels[key] || key;
      const cell = document.createElement("td");
      cell.appendChild(input);
      const g = document.createElement("td");
      g.textContent = grad === null ? "" : String(grad);
      tr.append(name, cell, g);
      table.appendChild(tr);
    }
  });
  box.appendChild(table);
}

function select(what) {
  selected = what;
  drawNetwork();
  drawDetail();
}

function showStatus() {
  const text = `step ${view.steps} · epoch ${view.epoch.toFixed(2)}`;
  if ($("status").textContent !== text) $("status").textContent = text;
  const notes = view.notes.length ? view.notes.join("; ") : "";
  const diverged = view.loss.train === null ? "the loss is not finite: training diverged; lower the learning rate and press Reset" : "";
  message([notes, diverged].filter(Boolean).join("\n"), !diverged);
}

function show(answer) {
  view = answer;
  if (answer.points !== undefined) {
    points = answer.points;
    history = { train: [...answer.history.train], test: [...answer.history.test] };
    showSettings(answer.state);
  } else {
    keepLosses(answer);
  }
  drawNetwork();
  drawOutput();
  drawCurve();
  if (answer.trace) {
    const rows = answer.trace.blocks.reduce((n, block) => n + block.rows.length, 0);
    $("formulas-panel").open = rows <= MANY_ROWS;
  }
  drawWeights();
  drawFormulas();
  drawDetail();
  updateLink();
  showStatus();
}

// A frame of Play: the weights, heat maps and losses it carries, drawn into the last view.
function showFrame(frame) {
  frame.weights.forEach(([weight, bias], l) => Object.assign(view.network.layers[l], { weight, bias }));
  Object.assign(view, { steps: frame.steps, epoch: frame.epoch, maps: frame.maps, loss: frame.loss });
  drawNetwork(false);
  drawOutput();
  drawCurve();
  showStatus();
}

// ---------------------------------------------------------------- wiring
async function chooseCsv(file) {
  if (file.size > 5 * 1024 * 1024) {
    message(`the CSV file is ${(file.size / 1048576).toFixed(1)} MB; the playground takes files up to 5 MB`);
    return;
  }
  csvText = await file.text();
  csvName = file.name;
  const answer = await post("api/columns", { text: csvText });
  fillSelect($("csv-target"), answer.columns);
  $("csv-target").value = answer.columns[answer.columns.length - 1];
  await start(settingsFromControls());
}

function wire() {
  $("data").addEventListener("change", () => guarded(async () => {
    const [source, name] = $("data").value.split(":");
    $("dataset-options").hidden = source !== "dataset";
    $("csv-options").hidden = source !== "csv";
    if (source === "csv") { if (csvText) await start(settingsFromControls()); return; }
    if (source === "example") { await start({ data: { source, name } }); return; }
    const state = settingsFromControls();
    if (view && view.state.data.source === "example") {
      Object.assign(state, { hidden: [{ units: 4, activation: "tanh" }, { units: 4, activation: "tanh" }],
        output_activation: "tanh", loss: "mse", lr: 0.03, batch_size: 10 });
    }
    await start(state);
  }));
  for (const id of ["noise", "train-ratio", "points", "data-seed", "csv-target"]) {
    $(id).addEventListener("change", () => guarded(() => start(settingsFromControls())));
  }
  $("csv-file").addEventListener("change", (e) => guarded(() => chooseCsv(e.target.files[0])));
  $("apply").addEventListener("click", () => guarded(() => start(settingsFromControls())));
  $("add-layer").addEventListener("click", () => {
    $("hidden-layers").appendChild(hiddenLayerControl({ units: 4, activation: "tanh" }));
  });
  $("remove-layer").addEventListener("click", () => {
    const layers = document.querySelectorAll(".hidden-layer");
    if (layers.length) layers[layers.length - 1].remove();
  });
  $("step").addEventListener("click", () => guarded(async () => { await stopPlaying(); await step(1, true); }));
  $("play").addEventListener("click", () => guarded(() => (playLoop ? stopPlaying() : play())));
  $("reset").addEventListener("click", () => guarded(async () => {
    await stopPlaying();
    show(await post("api/reset", { session: sessionId }));
  }));
  $("formulas-panel").addEventListener("toggle", () => { if ($("formulas-panel").open && view) drawFormulas(); });
  $("copy-link").addEventListener("click", () => { updateLink(); $("export-text").value = location.href; });
  for (const format of ["python", "model", "markdown", "latex"]) {
    $("export-" + format).addEventListener("click", () => guarded(() => exportAs(format)));
  }
}

async function main() {
  options = await (await fetch("api/options")).json();
  dataChoices();
  fillSelect($("output-activation"), options.activations);
  fillSelect($("loss"), options.losses);
  fillSelect($("optimizer"), options.optimizers);
  fillSelect($("regularization"), options.regularizations);
  wire();
  let state = { data: { source: "dataset", name: "circle" } };
  const match = location.hash.match(/^#s=(.+)$/);
  if (match) {
    try { state = decodeState(match[1]); } catch (e) { message("the link's settings cannot be read; starting afresh"); }
  }
  await guarded(() => start(state));
  // A link pasted into this tab changes only the hash: start from its settings.
  window.addEventListener("hashchange", () => {
    const pasted = location.hash.match(/^#s=(.+)$/);
    if (!pasted) return;
    guarded(() => start(decodeState(pasted[1])));
  });
  document.body.dataset.ready = "yes";
}

main();
