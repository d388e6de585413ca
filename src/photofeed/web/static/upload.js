// A new post: choose or drop files, preview them with their alt text, then send each to
// the media API with a real progress bar, wait for videos to be processed, and post.
import { api, csrfToken } from "./app.js";

const MAX_FILES = 10;
const form = document.querySelector("[data-upload]");
const drop = form.querySelector("[data-drop]");
const picker = form.elements.files;
const previews = form.querySelector("[data-previews]");
const progress = form.querySelector("[data-progress]");
const bar = progress.querySelector("progress");
const label = progress.querySelector("[data-progress-label]");
const problem = form.querySelector("[data-error]");
let chosen = [];

function preview(file, index) {
  const url = URL.createObjectURL(file);
  const isVideo = file.type.startsWith("video/");
  const shown = Object.assign(document.createElement(isVideo ? "video" : "img"), { src: url });
  if (isVideo) shown.muted = true; else shown.alt = "";
  const id = `alt-${index}`;
  const field = Object.assign(document.createElement("textarea"), {
    id, rows: 2, maxLength: 1500, className: "alt", placeholder: "Describe it for people who cannot see it",
  });
  const caption = Object.assign(document.createElement("label"), { htmlFor: id });
  caption.textContent = `Alt text for ${file.name}`;
  const text = document.createElement("div");
  text.append(caption, field);
  const item = document.createElement("li");
  item.append(shown, text);
  return item;
}

function choose(files) {
  chosen = [...files].slice(0, MAX_FILES);
  previews.replaceChildren(...chosen.map(preview));
  problem.textContent = files.length > MAX_FILES ? `Only the first ${MAX_FILES} files are kept.` : "";
}

picker.addEventListener("change", () => choose(picker.files));
for (const type of ["dragenter", "dragover"]) {
  drop.addEventListener(type, (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
}
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  if (event.dataTransfer.files.length) choose(event.dataTransfer.files);
});

/** POST one file; `onBytes(sent)` hears how far the upload has come. */
function send(file, description, onBytes) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", "/api/v2/media");
    request.setRequestHeader("X-CSRF-Token", csrfToken());
    request.setRequestHeader("Accept", "application/json");
    request.responseType = "json";
    request.upload.addEventListener("progress", (event) => onBytes(event.loaded));
    request.addEventListener("load", () => {
      const answer = request.response || {};
      if (request.status === 200 || request.status === 202) resolve(answer);
      else reject(new Error(answer.error || `The upload failed (${request.status})`));
    });
    request.addEventListener("error", () => reject(new Error("The connection was lost; try again.")));
    const body = new FormData();
    body.append("file", file);
    if (description) body.append("description", description);
    request.send(body);
  });
}

/** Videos are processed after the upload; wait until one is ready to be posted. */
async function processed(media) {
  let current = media;
  while (!current.url) {
    label.textContent = "Processing video…";
    await new Promise((resolve) => setTimeout(resolve, 1000));
    current = await api("GET", `/api/v1/media/${media.id}`);
  }
  return current;
}

async function share() {
  const total = chosen.reduce((sum, file) => sum + file.size, 0) || 1;
  const alts = [...previews.querySelectorAll("textarea.alt")].map((field) => field.value.trim());
  let done = 0;
  const ids = [];
  progress.hidden = false;
  for (const [index, file] of chosen.entries()) {
    label.textContent = chosen.length > 1 ? `Uploading ${index + 1} of ${chosen.length}…` : "Uploading…";
    const media = await send(file, alts[index], (sent) => { bar.value = (100 * (done + sent)) / total; });
    done += file.size;
    ids.push((await processed(media)).id);
  }
  bar.value = 100;
  label.textContent = "Posting…";
  const status = await api("POST", "/api/v1/statuses", {
    title: form.elements.title.value.trim(), status: form.elements.caption.value,
    visibility: form.elements.visibility.value, media_ids: ids,
  });
  window.location.assign(new URL(status.url).pathname);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!chosen.length) {
    problem.textContent = "Choose a photo or video first.";
    return;
  }
  const button = form.querySelector("[data-submit]");
  button.disabled = true;
  problem.textContent = "";
  try {
    await share();
  } catch (error) {
    problem.textContent = error.message;
    progress.hidden = true;
    button.disabled = false;
  }
});
