// certscan review page: plain JavaScript, no build step. Every text from the server is put into the
// page with textContent, never as HTML.
"use strict";

const TEXT = {
  zh: {
    title: "医师执业证书复核", reviewer: "复核人", reviewer_hint: "姓名（可不填）",
    export_jsonl: "导出 JSONL", export_csv: "导出 CSV", other_lang: "English",
    drop: "把证书照片或扫描件拖放到这里", pick: "选择文件或拍照", reading: "正在识别……",
    list: "证书", empty: "上传证书照片，或从左侧选择一份待复核的证书。",
    verify: "核验", verifying: "正在核验……", audit: "复核记录", no_audit: "尚无更正或确认。",
    save: "保存", confirm: "确认无误", confirmed: "已确认", corrected: "已更正",
    read_as: "识别为", confidence: "把握", not_read: "未识别到",
    candidates: "候选机构：", failed: "未通过的检查", notes: "备注",
    pending: (n) => `还有${n}项待复核，核验结果可能是“需人工复核”。`,
    status: { review: "待复核", ready: "可核验", verified: "已核验", error: "无法读取" },
    photo: "照片", flat: "拉平的证书", no_image: "没有可显示的图像",
    entry: (e) => `登记记录：${e.name}，证书编码 ${e.certificate_code}`,
    differences: "差异", advice: "建议", review_fields: "需复核：",
    by: "复核人", at: "时间", arrow: "→", empty_value: "（空）",
    network: "无法连接复核服务。",
    share: "给另一部手机", share_hint: "用同一网络中的另一部手机扫描此二维码，即可打开本页面（链接中含访问令牌，请勿外传）。",
    share_alt: "本页面链接的二维码",
  },
  en: {
    title: "Certificate review", reviewer: "Reviewer", reviewer_hint: "your name (optional)",
    export_jsonl: "Export JSONL", export_csv: "Export CSV", other_lang: "中文",
    drop: "Drop photos or scans of certificates here", pick: "Pick a file or take a photo",
    reading: "Reading…", list: "Certificates",
    empty: "Upload a photo of a certificate, or pick one to review on the left.",
    verify: "Verify", verifying: "Verifying…", audit: "Audit trail", no_audit: "No corrections or confirmations yet.",
    save: "Save", confirm: "Looks right", confirmed: "confirmed", corrected: "corrected",
    read_as: "read as", confidence: "confidence", not_read: "not read",
    candidates: "Candidates: ", failed: "Failed checks", notes: "Notes",
    pending: (n) => `${n} field(s) still to review: the verdict may be “needs review”.`,
    status: { review: "to review", ready: "ready", verified: "verified", error: "unreadable" },
    photo: "Photo", flat: "Flattened certificate", no_image: "No image to show",
    entry: (e) => `Registry entry: ${e.name}, certificate code ${e.certificate_code}`,
    differences: "Differences", advice: "What to do", review_fields: "To review: ",
    by: "by", at: "at", arrow: "→", empty_value: "(empty)",
    network: "The review service cannot be reached.",
    share: "Another phone",
    share_hint: "Scan this QR code with another phone on the same network to open this page (the link holds the access token: keep it to yourselves).",
    share_alt: "QR code of this page's link",
  },
};

const params = new URLSearchParams(location.search);
// The language: ?lang= in the address, else the reader's last choice, else the server's (--lang).
let lang = ["zh", "en"].includes(params.get("lang")) ? params.get("lang") : localStorage.getItem("certscan.lang");
let T = TEXT[lang || "zh"];
const state = { current: null, item: null, typing: {}, timer: null };

const $ = (sel) => document.querySelector(sel);
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function api(path) { return lang ? path + (path.includes("?") ? "&" : "?") + "lang=" + lang : path; }

async function call(path, options = {}) {
  let response;
  try {
    response = await fetch(api(path), { credentials: "same-origin", ...options });
  } catch (e) {
    showError(T.network);
    throw e;
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    showError(data.error || `HTTP ${response.status}`);
    throw new Error(data.error || response.status);
  }
  return data;
}

function postJSON(path, body) {
  return call(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
}

function showError(text) {
  const box = $("#alert");
  box.textContent = text;
  box.hidden = false;
}
function clearError() { $("#alert").hidden = true; $("#alert").textContent = ""; }

// -- page chrome ---------------------------------------------------------------------------------

function translate() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = T.title + " · certscan";
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = T[node.dataset.t];
  for (const node of document.querySelectorAll("[data-tp]")) node.placeholder = T[node.dataset.tp];
  $("#lang-toggle").textContent = T.other_lang;
  $("#export-jsonl").href = api("/api/export.jsonl");
  $("#export-csv").href = api("/api/export.csv");
}

$("#lang-toggle").addEventListener("click", () => {
  const other = lang === "zh" ? "en" : "zh";
  localStorage.setItem("certscan.lang", other);
  params.set("lang", other);
  params.delete("token");
  location.search = params.toString();
});

// The reviewer is the server's: named at start (--reviewer), or once per browser session here.
const reviewer = $("#reviewer");
async function nameReviewer(name) {
  if (!name) return;
  const data = await postJSON("/api/reviewer", { reviewer: name }).catch(() => null);
  if (!data) return;
  reviewer.value = data.reviewer;
  reviewer.readOnly = true;
  localStorage.setItem("certscan.reviewer", data.reviewer);
}
reviewer.addEventListener("change", () => nameReviewer(reviewer.value.trim()));

// A second phone opens the page by the QR code of its LAN link (only in --lan mode).
function offerShare(link) {
  const toggle = $("#share-toggle");
  toggle.hidden = !link;
  if (!link) return;
  $("#share-link").textContent = link;
  $("#share-qr").alt = T.share_alt;
  toggle.addEventListener("click", () => {
    const panel = $("#share");
    panel.hidden = !panel.hidden;
    toggle.setAttribute("aria-expanded", String(!panel.hidden));
    // Fetched when first shown: the picture holds the token, so it is not loaded for nothing.
    if (!panel.hidden && !$("#share-qr").getAttribute("src")) $("#share-qr").src = "/api/qr.svg";
  });
}

// -- uploads ---------------------------------------------------------------------------------------

async function upload(files) {
  clearError();
  $("#busy").hidden = false;
  try {
    for (const file of files) {
      const form = new FormData();
      form.append("file", file, file.name);
      try {
        const item = await call("/api/uploads", { method: "POST", body: form });
        await refreshList();
        show(item);
      } catch (e) { /* the message is shown; go on with the next file */ }
    }
  } finally {
    $("#busy").hidden = true;
  }
}

$("#file").addEventListener("change", (e) => { upload([...e.target.files]); e.target.value = ""; });
// The whole page takes a dropped file, not only the drop zone: a near miss should not open the photo.
document.body.addEventListener("dragover", (e) => { e.preventDefault(); $("#drop").classList.add("over"); });
document.body.addEventListener("dragleave", () => $("#drop").classList.remove("over"));
document.body.addEventListener("drop", (e) => {
  e.preventDefault();
  $("#drop").classList.remove("over");
  if (e.dataTransfer.files.length) upload([...e.dataTransfer.files]);
});

// -- the list --------------------------------------------------------------------------------------

async function refreshList() {
  const data = await call("/api/items");
  const list = $("#items");
  list.replaceChildren(...data.items.map((it) => el("li", {
    class: `item ${it.status}` + (it.id === state.current ? " current" : ""),
    "data-id": it.id,
    onclick: () => openItem(it.id),
  },
  el("span", { class: "name" }, it.name || it.file),
  el("span", { class: "file" }, it.file + (it.page ? ` #${it.page}` : "")),
  el("span", { class: "badge" }, T.status[it.status] + (it.pending ? ` ${it.pending}` : "")))));
  return data.items;
}

async function openItem(id) {
  clearError();
  show(await call(`/api/items/${id}`));
}

// -- one certificate -------------------------------------------------------------------------------

function show(item) {
  state.current = item.id;
  state.item = item;
  state.typing = {};
  for (const li of document.querySelectorAll("#items li")) li.classList.toggle("current", li.dataset.id === item.id);
  $("#empty").hidden = true;
  $("#detail").hidden = false;
  $("#item-title").textContent = (item.name || item.file) + (item.name ? `  ·  ${item.file}` : "");
  const error = $("#item-error");
  error.hidden = !item.error;
  error.textContent = item.error || "";
  for (const id of ["#views", "#fields tbody", "#checks", "#audit"]) $(id).replaceChildren();
  $("#verdict").hidden = true;
  if (item.error) { $("#verify").hidden = true; $("#verify-hint").hidden = true; return; }
  $("#verify").hidden = false;
  renderViews(item);
  renderFields(item);
  renderChecks(item.failed, item.notes);
  renderAudit(item.audit);
  renderVerification(item.verification);
  renderPendingHint();
}

function renderViews(item) {
  const views = $("#views");
  if (!item.views.length) { views.append(el("p", { class: "hint" }, T.no_image)); return; }
  for (const view of item.views) {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.classList.add("boxes");
    const img = el("img", { src: view.url, alt: T[view.kind] || view.kind });
    img.addEventListener("load", () => {
      svg.setAttribute("viewBox", `0 0 ${img.naturalWidth} ${img.naturalHeight}`);
      drawBoxes(svg, view.boxes);
    });
    views.append(el("figure", { class: `view ${view.kind}` },
      el("div", { class: "stage" }, img, svg), el("figcaption", {}, T[view.kind] || view.kind)));
  }
}

function drawBoxes(svg, boxes) {
  svg.replaceChildren();
  for (const [key, box] of Object.entries(boxes)) {
    const rect = document.createElementNS("http://www.w3.org/2000/svg", "rect");
    rect.setAttribute("x", box[0]); rect.setAttribute("y", box[1]);
    rect.setAttribute("width", Math.max(1, box[2] - box[0])); rect.setAttribute("height", Math.max(1, box[3] - box[1]));
    rect.dataset.key = key;
    rect.addEventListener("click", () => document.querySelector(`#fields tr[data-key="${key}"] input`).focus());
    svg.append(rect);
  }
  paintBoxes();
}

function paintBoxes(focused) {
  for (const rect of document.querySelectorAll("svg.boxes rect")) {
    const row = document.querySelector(`#fields tr[data-key="${rect.dataset.key}"]`);
    rect.setAttribute("class", (row ? row.dataset.state : "") + (rect.dataset.key === focused ? " focused" : ""));
  }
}

function renderFields(item) {
  const body = $("#fields tbody");
  for (const f of item.fields) {
    const input = el("input", { value: f.value ?? "", name: f.key, "aria-label": f.label, spellcheck: "false" });
    const reasons = el("ul", { class: "reasons" });
    const read = el("div", { class: "read" });
    const actions = el("td", { class: "actions" });
    const row = el("tr", { "data-key": f.key }, el("th", {}, f.label), el("td", {}, input, reasons, read), actions);
    row.field = f;
    input.addEventListener("input", () => typed(f.key, input.value));
    input.addEventListener("focus", () => paintBoxes(f.key));
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") { e.preventDefault(); save(f.key, input.value); }
      if (e.key === "Escape") { input.value = f.value ?? ""; typed(f.key, input.value); }
    });
    body.append(row);
    if (f.key === "institution") row.cands = el("div", { class: "candidates" });
    if (row.cands) row.querySelector("td").append(row.cands);
    updateRow(row, f);
  }
  if (item.institution) renderCandidates(item.institution);
  paintBoxes();
}

function updateRow(row, state_) {
  const f = row.field;
  const input = row.querySelector("input");
  const dirty = input.value !== (f.value ?? "");
  // A value being typed is judged by its checks alone; a saved one by the server's review mark.
  if (dirty) row.dataset.state = state_.reasons.length ? "invalid" : "typing";
  else row.dataset.state = state_.review ? "review" : (state_.confirmed ? "confirmed" : "ok");
  row.classList.toggle("dirty", dirty);
  row.querySelector(".reasons").replaceChildren(...state_.reasons.map((r) => el("li", {}, r)));
  const read = row.querySelector(".read");
  const parts = [];
  if (f.read !== null || f.raw) parts.push(`${T.read_as}「${f.raw ?? f.read}」`);
  else if (f.corrected || f.confirmed) parts.push(T.not_read);  // before that, the reason says so
  if (f.read !== null) parts.push(`${T.confidence} ${Number(f.confidence).toFixed(2)}`);
  if (f.corrected) parts.push(T.corrected);
  else if (f.confirmed) parts.push(T.confirmed);
  read.textContent = parts.join(" · ");
  const actions = row.querySelector(".actions");
  actions.replaceChildren();
  if (dirty) actions.append(el("button", { type: "button", class: "save", onclick: () => save(f.key, input.value) }, T.save));
  else if (f.review && f.value !== null) {
    actions.append(el("button", { type: "button", class: "confirm", onclick: () => save(f.key, input.value) }, T.confirm));
  }
}

function renderCandidates(info) {
  const row = document.querySelector('#fields tr[data-key="institution"]');
  if (!row || !row.cands) return;
  const value = row.querySelector("input").value;
  const names = info.candidates.filter((n) => n !== value);
  row.cands.replaceChildren();
  if (!names.length) return;
  row.cands.append(el("span", {}, T.candidates), ...names.map((name) => el("button", {
    type: "button", class: "candidate",
    onclick: () => { row.querySelector("input").value = name; save("institution", name); },
  }, name)));
}

function renderChecks(failed, notes) {
  const box = $("#checks");
  box.replaceChildren();
  if (failed.length) box.append(el("h3", {}, T.failed), el("ul", { class: "failed" }, failed.map((t) => el("li", {}, t))));
  if (notes && notes.length) box.append(el("h3", {}, T.notes), el("ul", { class: "notes" }, notes.map((t) => el("li", {}, t))));
}

function renderAudit(audit) {
  const list = $("#audit");
  const labels = Object.fromEntries(state.item.fields.map((f) => [f.key, f.label]));
  if (!audit.length) { list.replaceChildren(el("li", { class: "hint" }, T.no_audit)); return; }
  list.replaceChildren(...audit.map((e) => el("li", { "data-field": e.field, "data-action": e.action },
    el("strong", {}, labels[e.field] || e.field), "：",
    `「${e.read ?? T.empty_value}」 ${T.arrow} 「${e.corrected ?? T.empty_value}」`,
    el("span", { class: "meta" }, ` ${e.action === "confirmed" ? T.confirmed : T.corrected} · ${e.at}` + (e.reviewer ? ` · ${T.by} ${e.reviewer}` : "")))));
}

function renderPendingHint() {
  const pending = [...document.querySelectorAll("#fields tr")].filter((r) => r.dataset.state === "review").length;
  const hint = $("#verify-hint");
  hint.hidden = pending === 0;
  hint.textContent = pending ? T.pending(pending) : "";
}

function renderVerification(v) {
  const box = $("#verdict");
  if (!v) { box.hidden = true; box.replaceChildren(); return; }
  box.hidden = false;
  box.className = `verdict ${v.verdict}`;
  const parts = [el("p", { class: "verdict-text" }, v.text)];
  if (v.entry) parts.push(el("p", { class: "entry" }, T.entry(v.entry)));
  if (v.review_fields.length) parts.push(el("p", {}, T.review_fields + v.review_fields.join(lang === "zh" ? "、" : ", ")));
  if (v.differences.length) {
    parts.push(el("h4", {}, T.differences), el("ul", { class: "differences" }, v.differences.map((d) => el("li", { "data-field": d.field },
      el("strong", {}, d.label), `：「${d.certificate}」 / 「${d.registry}」`, el("div", { class: "explanation" }, d.explanation)))));
  }
  if (v.advice.length) parts.push(el("h4", {}, T.advice), el("ol", { class: "advice" }, v.advice.map((a) => el("li", {}, a))));
  box.replaceChildren(...parts);
}

// -- typing, saving, verifying ---------------------------------------------------------------------

function typed(key, value) {
  state.typing[key] = value;
  const row = document.querySelector(`#fields tr[data-key="${key}"]`);
  row.classList.toggle("dirty", value !== (row.field.value ?? ""));
  clearTimeout(state.timer);
  state.timer = setTimeout(checkTyped, 200);
}

async function checkTyped() {
  const id = state.current;
  const values = {};
  for (const row of document.querySelectorAll("#fields tr.dirty")) values[row.dataset.key] = row.querySelector("input").value;
  const result = await postJSON(`/api/items/${id}/check`, { values }).catch(() => null);
  if (!result || id !== state.current) return;
  for (const row of document.querySelectorAll("#fields tr")) updateRow(row, result.fields[row.dataset.key]);
  renderChecks(result.failed, state.item.notes);
  if (result.institution) renderCandidates(result.institution);
  paintBoxes(document.activeElement && document.activeElement.name);
  renderPendingHint();
}

async function save(key, value) {
  clearError();
  const id = state.current;
  const item = await postJSON(`/api/items/${id}/fields/${key}`, { value }).catch(() => null);
  if (!item) return;
  const keep = {};
  for (const row of document.querySelectorAll("#fields tr.dirty")) if (row.dataset.key !== key) keep[row.dataset.key] = row.querySelector("input").value;
  show(item);
  for (const [k, v] of Object.entries(keep)) { document.querySelector(`#fields tr[data-key="${k}"] input`).value = v; typed(k, v); }
  refreshList();
  const next = [...document.querySelectorAll("#fields tr")].find((r) => r.dataset.state === "review");
  if (next) next.querySelector("input").focus();
}

$("#verify").addEventListener("click", async () => {
  clearError();
  const button = $("#verify");
  button.disabled = true;
  button.textContent = T.verifying;
  try {
    const item = await postJSON(`/api/items/${state.current}/verify`, {});
    show(item);
    refreshList();
  } catch (e) { /* shown */ } finally {
    button.disabled = false;
    button.textContent = T.verify;
  }
});

// -- start -----------------------------------------------------------------------------------------

async function start() {
  const config = await call("/api/config");
  // The link's token is a cookie now (the first request proves it): it leaves the address bar, so it
  // is not shown, bookmarked or passed on with the page's address.
  if (params.has("token")) {
    params.delete("token");
    const rest = params.toString();
    history.replaceState(null, "", location.pathname + (rest ? `?${rest}` : "") + location.hash);
  }
  lang = lang || config.lang;
  T = TEXT[lang];
  translate();
  $("#file").accept = config.accept;
  offerShare(config.share);
  if (config.reviewer) { reviewer.value = config.reviewer; reviewer.readOnly = true; }
  else await nameReviewer(localStorage.getItem("certscan.reviewer") || "");
  const items = await refreshList();
  const first = items.find((it) => it.status === "review") || items[0];
  if (first) openItem(first.id);
}

start().catch(() => {});
