// certscan review page: plain JavaScript, no build step. Every text from the server is put into the
// page with textContent, never as HTML.
"use strict";

const TEXT = {
  zh: {
    title: "医师执业证书复核", reviewer: "复核人", reviewer_hint: "姓名（可不填）",
    export_jsonl: "导出 JSONL", export_csv: "导出 CSV", other_lang: "English",
    drop: "或把证书照片、扫描件拖放到这里", capture: "拍照核验", choose: "选择文件", reading: "正在识别……",
    list: "证书", empty: "拍一张证书照片，或从列表中选择一份待复核的证书。",
    retake: "重拍", same_question: "同一张证书？",
    same_text: (s) => `这张照片和${s.minutes < 1 ? "刚才" : `${Math.round(s.minutes)}分钟前`}拍的「${s.name || s.file}」是同一张证书吗？合并后每一栏取各张照片一致的读数。`,
    same_yes: "是，合并识别", same_no: "不是", group: "把所选照片合并为同一张证书", pick_item: "选择此照片",
    shots: (list) => `第${list.join("、")}张照片读数一致`,
    zoom: "点图放大", unzoom: "点图缩小",
    changes: "变更注册记录", change_n: (n) => `第${n}条`, change_save: "保存此条", change_confirm: "此条无误",
    document: (d) => d.layout_text ? `${d.text}（${d.layout_text}）` : d.text,
    official: "到官方平台核验", official_record: "官方查询显示了什么？", official_found: "查到此医师",
    official_not_found: "查无此人", official_save: "记录查询结果", official_address: "网址（请自己输入）",
    official_recorded: (r) => `已记录：${r.reviewer ? r.reviewer + "，" : ""}${r.at}`,
    evidence: "证据材料", evidence_full: "完整身份证号（仅供正式举报）", evidence_export: "导出证据材料",
    evidence_hint: "在新页面中打开，可打印或存为 PDF；身份证号默认打码。",
    action: { official_check: "记录了官方查询结果", full_id_shown: "导出了含完整身份证号的证据材料", merged: "合并了多张照片" },
    verify: "核验", verifying: "正在核验……", audit: "复核记录", no_audit: "尚无更正或确认。",
    save: "保存", confirm: "确认无误", confirmed: "已确认", corrected: "已更正",
    read_as: "识别为", confidence: "把握", not_read: "未识别到",
    candidates: "候选机构：", failed: "未通过的检查", notes: "备注",
    pending: (n) => `还有${n}项待复核，核验结果可能是“需人工复核”。`,
    status: { review: "待复核", ready: "可核验", verified: "已核验", error: "无法读取" },
    photo: "照片", flat: "拉平的证书", shot: (n) => `第${n}张照片`, no_image: "没有可显示的图像",
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
    drop: "or drop photos or scans of certificates here", capture: "Photograph & verify", choose: "choose a file",
    reading: "Reading…", list: "Certificates",
    empty: "Take a photo of a certificate, or pick one to review from the list.",
    retake: "Retake", same_question: "Same certificate?",
    same_text: (s) => `Does this photo show the same certificate as “${s.name || s.file}” taken ${s.minutes < 1 ? "just now" : `${Math.round(s.minutes)} min ago`}? Read as one, each field takes the value the shots agree on.`,
    same_yes: "Yes, read as one", same_no: "No", group: "Read the selected shots as one certificate", pick_item: "select this shot",
    shots: (list) => `shots ${list.join(", ")} agree`,
    zoom: "tap the picture to zoom", unzoom: "tap to zoom out",
    changes: "Change-of-registration record", change_n: (n) => `Entry ${n}`, change_save: "Save this entry", change_confirm: "This entry is right",
    document: (d) => d.layout_text ? `${d.text} (${d.layout_text})` : d.text,
    official: "Check on the official site", official_record: "What did the official query show?", official_found: "Doctor found",
    official_not_found: "Not found", official_save: "Record the result", official_address: "Address (type it yourself)",
    official_recorded: (r) => `Recorded${r.reviewer ? " by " + r.reviewer : ""} at ${r.at}`,
    evidence: "Evidence sheet", evidence_full: "full ID number for an official report", evidence_export: "Export the evidence sheet",
    evidence_hint: "Opens in a new tab, to print or save as PDF; the ID number is masked unless asked for.",
    action: { official_check: "recorded the official query's result", full_id_shown: "exported an evidence sheet with the full ID number", merged: "read several shots as one" },
    verify: "Verify", verifying: "Verifying…", audit: "Audit trail", no_audit: "No corrections or confirmations yet.",
    save: "Save", confirm: "Looks right", confirmed: "confirmed", corrected: "corrected",
    read_as: "read as", confidence: "confidence", not_read: "not read",
    candidates: "Candidates: ", failed: "Failed checks", notes: "Notes",
    pending: (n) => `${n} field(s) still to review: the verdict may be “needs review”.`,
    status: { review: "to review", ready: "ready", verified: "verified", error: "unreadable" },
    photo: "Photo", flat: "Flattened certificate", shot: (n) => `Shot ${n}`, no_image: "No image to show",
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
const state = { current: null, item: null, typing: {}, timer: null, picked: new Set(), sameAs: null };

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
  $("#photo-advice").hidden = true;
  $("#same-shot").hidden = true;
  try {
    for (const file of files) {
      const form = new FormData();
      form.append("file", file, file.name);
      try {
        const item = await call("/api/uploads", { method: "POST", body: form });
        await refreshList();
        show(item);
        offerSame(files.length === 1 ? item : null);
      } catch (e) { /* the message is shown; go on with the next file */ }
    }
  } finally {
    $("#busy").hidden = true;
  }
}

for (const input of [$("#file"), $("#camera")]) {
  input.addEventListener("change", (e) => { upload([...e.target.files]); e.target.value = ""; });
}
// Retaking opens the camera again, while the person is still in front of the certificate.
$("#retake").addEventListener("click", () => $("#camera").click());
// A touch screen without a mouse has nothing to drag: the page does not talk of dropping there.
document.documentElement.classList.toggle("touch", navigator.maxTouchPoints > 0 && !matchMedia("(pointer: fine)").matches);
// The whole page takes a dropped file, not only the drop zone: a near miss should not open the photo.
document.body.addEventListener("dragover", (e) => { e.preventDefault(); $("#drop").classList.add("over"); });
document.body.addEventListener("dragleave", () => $("#drop").classList.remove("over"));
document.body.addEventListener("drop", (e) => {
  e.preventDefault();
  $("#drop").classList.remove("over");
  if (e.dataTransfer.files.length) upload([...e.dataTransfer.files]);
});

// Whether the photo is good enough, said right after it was taken: retake now, and exactly how.
function renderPhotoAdvice(photo) {
  const box = $("#photo-advice");
  box.hidden = !photo;
  if (!photo) return;
  box.classList.toggle("retake", photo.retake);
  box.querySelector(".photo-summary").textContent = photo.summary;
  box.querySelector(".photo-steps").replaceChildren(...photo.steps.map((s) => el("li", {
    class: s.retake ? "step" : "step fine", "data-cause": s.cause, "data-fields": s.fields.join(" "),
  }, s.text)));
  $("#retake").hidden = !photo.retake;
}

// A shot a few minutes after the last one is probably a retake of the same certificate.
function offerSame(item) {
  const box = $("#same-shot");
  state.sameAs = item && item.same_as ? [item.same_as.id, item.id] : null;
  box.hidden = !state.sameAs;
  if (state.sameAs) $("#same-shot-text").textContent = T.same_text(item.same_as);
}

async function mergeShots(ids) {
  clearError();
  const item = await postJSON("/api/merge", { ids }).catch(() => null);
  if (!item) return;
  state.picked.clear();
  await refreshList();
  show(item);
}

$("#same-yes").addEventListener("click", async () => {
  const ids = state.sameAs;
  $("#same-shot").hidden = true;
  if (ids) await mergeShots(ids);
});
$("#same-no").addEventListener("click", () => { $("#same-shot").hidden = true; state.sameAs = null; });
$("#group").addEventListener("click", () => mergeShots([...state.picked]));

// -- the list --------------------------------------------------------------------------------------

async function refreshList() {
  const data = await call("/api/items");
  const list = $("#items");
  const readable = data.items.filter((it) => it.status !== "error");
  // Shots can be grouped by choice once there are two to group.
  const pickable = readable.length > 1;
  for (const id of [...state.picked]) if (!readable.some((it) => it.id === id)) state.picked.delete(id);
  list.replaceChildren(...data.items.map((it) => {
    const pick = pickable && it.status !== "error" ? el("label", { class: "pick", onclick: (e) => e.stopPropagation() },
      el("input", {
        type: "checkbox", "aria-label": T.pick_item, checked: state.picked.has(it.id),
        onchange: (e) => { e.target.checked ? state.picked.add(it.id) : state.picked.delete(it.id); offerGroup(); },
      })) : null;
    return el("li", {
      class: `item ${it.status}` + (it.id === state.current ? " current" : "") + (pickable ? " pickable" : ""),
      "data-id": it.id,
      onclick: () => openItem(it.id),
    },
    pick,
    el("span", { class: "name" }, it.name || it.file),
    el("span", { class: "file" }, it.file + (it.page ? ` #${it.page}` : "")),
    el("span", { class: "badge" }, T.status[it.status] + (it.pending ? ` ${it.pending}` : "")));
  }));
  offerGroup();
  return data.items;
}

function offerGroup() { $("#group").hidden = state.picked.size < 2; }

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
  for (const id of ["#views", "#fields tbody", "#checks", "#audit", "#change-list", "#official-query", "#official-result"]) {
    $(id).replaceChildren();
  }
  $("#verdict").hidden = true;
  $("#official").hidden = true;
  $("#evidence").hidden = true;
  $("#changes").hidden = true;
  renderDocument(item.document);
  renderPhotoAdvice(item.photo);
  if (item.error) { $("#verify").hidden = true; $("#verify-hint").hidden = true; return; }
  $("#verify").hidden = false;
  renderViews(item);
  renderFields(item);
  renderChanges(item.changes || []);
  renderChecks(item.failed, item.notes);
  renderAudit(item.audit);
  renderVerification(item.verification);
  renderPendingHint();
}

function renderDocument(doc) {
  const line = $("#document");
  line.hidden = !doc;
  if (!doc) return;
  line.classList.toggle("wrong", Boolean(doc.wrong));
  line.dataset.kind = doc.kind;
  line.textContent = doc.wrong || T.document(doc);
}

function renderViews(item) {
  const views = $("#views");
  if (!item.views.length) { views.append(el("p", { class: "hint" }, T.no_image)); return; }
  for (const view of item.views) {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.classList.add("boxes");
    const caption = view.kind === "shot" ? T.shot(view.shot) : (T[view.kind] || view.kind);
    const img = el("img", { src: view.url, alt: caption });
    img.addEventListener("load", () => {
      svg.setAttribute("viewBox", `0 0 ${img.naturalWidth} ${img.naturalHeight}`);
      drawBoxes(svg, view.boxes);
    });
    const hint = el("span", { class: "zoom" }, T.zoom);
    const figure = el("figure", { class: `view ${view.kind}` },
      el("div", { class: "stage" }, el("div", { class: "canvas" }, img, svg)),
      el("figcaption", {}, caption, hint));
    // A tap on the picture (not on a field's box) zooms it within its frame, and back.
    svg.addEventListener("click", (e) => {
      if (e.target !== svg) return;
      figure.classList.toggle("zoomed");
      hint.textContent = figure.classList.contains("zoomed") ? T.unzoom : T.zoom;
      const focused = document.activeElement && document.activeElement.name;
      if (focused) bringIntoView(focused);
    });
    views.append(figure);
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
  paintBoxes(document.activeElement && document.activeElement.name);
}

function paintBoxes(focused) {
  for (const rect of document.querySelectorAll("svg.boxes rect")) {
    const row = document.querySelector(`#fields tr[data-key="${rect.dataset.key}"]`);
    rect.setAttribute("class", (row ? row.dataset.state : "") + (rect.dataset.key === focused ? " focused" : ""));
  }
}

// The field a person taps is highlighted on the certificate, and shown close up when zoomed.
function bringIntoView(key) {
  for (const rect of document.querySelectorAll(`.view.zoomed svg.boxes rect[data-key="${key}"]`)) {
    const stage = rect.closest(".stage");
    const box = rect.getBoundingClientRect();
    const frame = stage.getBoundingClientRect();
    stage.scrollLeft += box.left - frame.left - (frame.width - box.width) / 2;
    stage.scrollTop += box.top - frame.top - (frame.height - box.height) / 2;
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
    input.addEventListener("focus", () => { paintBoxes(f.key); bringIntoView(f.key); });
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
  read.replaceChildren(parts.join(" · "));
  if (f.shots && f.shots.length) read.append(" · ", el("span", { class: "shots" }, T.shots(f.shots)));
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

// The 变更注册记录 of a booklet: each block corrected like a field, part by part.
function renderChanges(changes) {
  $("#changes").hidden = !changes.length;
  $("#change-list").replaceChildren(...changes.map((c) => {
    const inputs = c.parts.map((p) => el("input", {
      value: p.value ?? "", name: `change-${c.index}-${p.part}`, "data-part": p.part, "aria-label": p.label, spellcheck: "false",
    }));
    const block = el("li", { class: "change", "data-index": c.index,
      "data-state": c.review ? "review" : (c.confirmed ? "confirmed" : "ok") },
    el("strong", {}, T.change_n(c.index + 1)),
    c.parts.map((p, i) => el("label", {}, el("span", {}, p.label), inputs[i],
      p.read !== p.value ? el("span", { class: "read" }, `${T.read_as}「${p.read ?? T.empty_value}」`) : null)),
    c.reasons.length ? el("ul", { class: "reasons" }, c.reasons.map((r) => el("li", {}, r))) : null);
    const button = el("button", { type: "button", class: "change-save" }, c.review ? T.change_confirm : T.change_save);
    const refresh = () => {
      const dirty = inputs.some((input, i) => input.value !== (c.parts[i].value ?? ""));
      button.textContent = dirty || !c.review ? T.change_save : T.change_confirm;
    };
    for (const input of inputs) {
      input.addEventListener("input", refresh);
      input.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); saveChange(c, inputs); } });
    }
    button.addEventListener("click", () => saveChange(c, inputs));
    block.append(button);
    return block;
  }));
}

async function saveChange(change, inputs) {
  clearError();
  const id = state.current;
  // Every part is sent: a block counts as reviewed once each of its parts was confirmed or corrected.
  let item = null;
  for (const input of inputs) {
    item = await postJSON(`/api/items/${id}/changes/${change.index}/${input.dataset.part}`, { value: input.value }).catch(() => null);
    if (!item) return;
  }
  show(item);
  refreshList();
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
  const partLabels = Object.fromEntries((state.item.changes || []).flatMap((c) => c.parts).map((p) => [p.part, p.label]));
  if (!audit.length) { list.replaceChildren(el("li", { class: "hint" }, T.no_audit)); return; }
  list.replaceChildren(...audit.map((e) => {
    const meta = ` · ${e.at}` + (e.reviewer ? ` · ${T.by} ${e.reviewer}` : "");
    if (!e.field && e.change === undefined) {
      return el("li", { "data-action": e.action }, el("strong", {}, T.action[e.action] || e.action), el("span", { class: "meta" }, meta));
    }
    const what = e.field ? (labels[e.field] || e.field) : `${T.changes} ${T.change_n(e.change + 1)} ${partLabels[e.part] || e.part}`;
    return el("li", { "data-field": e.field || `change-${e.change}-${e.part}`, "data-action": e.action },
      el("strong", {}, what), "：",
      `「${e.read ?? T.empty_value}」 ${T.arrow} 「${e.corrected ?? T.empty_value}」`,
      el("span", { class: "meta" }, ` ${e.action === "confirmed" ? T.confirmed : T.corrected}` + meta));
  }));
}

function renderPendingHint() {
  const pending = [...document.querySelectorAll("#fields tr")].filter((r) => r.dataset.state === "review").length;
  const hint = $("#verify-hint");
  hint.hidden = pending === 0;
  hint.textContent = pending ? T.pending(pending) : "";
}

// Verdicts whose evidence may go to an authority: the sheet can be exported for them.
const ESCALATE = ["mismatch", "not_found", "invalid", "wrong_document"];

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
  showOfficial();
  const evidence = $("#evidence");
  evidence.hidden = !ESCALATE.includes(v.verdict);
  $("#evidence-full").checked = false;
  $("#evidence-link").href = api(`/api/items/${state.current}/evidence.html`);
}

// -- the official check ----------------------------------------------------------------------------

// What the national query asks for, ready to copy; certscan never opens the site itself.
async function showOfficial() {
  const id = state.current;
  const query = await call(`/api/items/${id}/official`).catch(() => null);
  if (!query || id !== state.current) return;
  $("#official").hidden = false;
  const shown = query.fields.map((f) => [el("dt", {}, f.label),
    el("dd", { class: f.sure ? "" : "unsure", "data-key": f.key }, f.value ?? "—", f.note ? el("span", { class: "note" }, f.note) : null)]);
  $("#official-query").replaceChildren(
    el("p", {}, query.intro),
    el("dl", {}, shown.flat(), el("dt", {}, T.official_address), el("dd", { class: "address" }, query.address)),
    el("ul", { class: "notes" }, query.notes.map((n) => el("li", {}, n))));
  if (query.recorded) renderOfficialResult(query.recorded);
  const values = $("#official-values");
  values.className = "official-values";
  values.replaceChildren(...OFFICIAL_FIELDS.map((key) => {
    const field = state.item.fields.find((f) => f.key === key);
    return el("label", {}, el("span", {}, field ? field.label : key),
      el("input", { name: `official-${key}`, "data-key": key, spellcheck: "false" }));
  }));
}
// What the official query's result page shows that a person can note down.
const OFFICIAL_FIELDS = ["level", "category", "scope", "practice_place", "institution"];

$("#official-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  clearError();
  const found = $("#official-form").elements.found.value === "yes";
  const values = {};
  if (found) for (const input of document.querySelectorAll("#official-values input")) if (input.value.trim()) values[input.dataset.key] = input.value;
  const data = await postJSON(`/api/items/${state.current}/official`, { found, values }).catch(() => null);
  if (!data) return;
  state.item = data.item;
  renderAudit(data.item.audit);
  renderOfficialResult(data.official);
});
$("#official-form").addEventListener("change", () => {
  $("#official-values").hidden = $("#official-form").elements.found.value !== "yes";
});

function renderOfficialResult(r) {
  const parts = [el("p", { class: "verdict-text" }, r.text || (r.found ? T.official_found : T.official_not_found)),
    el("p", { class: "meta" }, `${r.source} · ${T.official_recorded(r)}`)];
  if (r.differences && r.differences.length) {
    parts.push(el("h4", {}, T.differences), el("ul", { class: "differences" }, r.differences.map((d) => el("li", { "data-field": d.field },
      el("strong", {}, d.label), `：「${d.certificate}」 / 「${d.official}」`, el("div", { class: "explanation" }, d.explanation)))));
  }
  if (r.advice && r.advice.length) parts.push(el("h4", {}, T.advice), el("ol", { class: "advice" }, r.advice.map((a) => el("li", {}, a))));
  const box = $("#official-result");
  box.className = `official-result verdict ${r.verdict || ""}`;
  box.replaceChildren(...parts);
}

// The evidence sheet: masked by a plain link; the full ID number only by a request that is audited.
$("#evidence-link").addEventListener("click", (e) => {
  if (!$("#evidence-full").checked) return;
  e.preventDefault();
  const form = $("#evidence-form");
  form.action = api(`/api/items/${state.current}/evidence.html`);
  form.submit();
  setTimeout(() => openItem(state.current), 500);
});

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
    // On a phone the verdict is below the fields: bring it into view.
    $("#verdict").scrollIntoView({ block: "start" });
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
