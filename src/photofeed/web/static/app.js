// What every signed-in page does: call the JSON API with the session's CSRF token and
// answer the like / follow / comment / copy buttons.
import { enhance } from "./enhance.js";

const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
document.documentElement.classList.add("js");

/** Call the API as the signed-in person; the cookie is the credential, the header the proof
 *  that one of our pages asked. Resolves to the JSON answer, rejects with its error text. */
export async function api(method, path, body) {
  const headers = { Accept: "application/json", "X-CSRF-Token": csrf };
  let payload = body;
  if (body && !(body instanceof FormData)) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const response = await fetch(path, { method, headers, body: payload, credentials: "same-origin" });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.error || `The server answered ${response.status}`);
  return answer;
}

export function csrfToken() {
  return csrf;
}

async function like(button) {
  const on = button.getAttribute("aria-pressed") !== "true";
  const status = await api("POST", `/api/v1/statuses/${button.dataset.id}/${on ? "favourite" : "unfavourite"}`);
  button.setAttribute("aria-pressed", String(status.favourited));
  button.classList.toggle("pop", status.favourited);
  document.querySelectorAll(`[data-likes-for="${status.id}"]`).forEach((count) => {
    count.textContent = String(status.favourites_count);
    count.nextSibling.textContent = status.favourites_count === 1 ? " like" : " likes";
  });
}

async function follow(button) {
  const id = button.dataset.id;
  const was = button.dataset.state;
  const rel = await api("POST", `/api/v1/accounts/${id}/${was === "none" ? "follow" : "unfollow"}`);
  const state = rel.following ? "following" : rel.requested ? "requested" : "none";
  button.dataset.state = state;
  button.textContent = { following: "Following", requested: "Requested", none: "Follow" }[state];
  button.classList.toggle("secondary", state !== "none");
  const followers = document.querySelector("[data-followers]");
  if (followers && (was === "following") !== (state === "following")) {
    followers.textContent = String(Number(followers.textContent) + (state === "following" ? 1 : -1));
  }
}

async function answerRequest(button, verb) {
  await api("POST", `/api/v1/follow_requests/${button.dataset.id}/${verb}`);
  const row = button.closest("[data-request]");
  const pair = button.closest(".pair");
  const done = document.createElement("span");
  done.className = "muted";
  done.textContent = verb === "authorize" ? "Approved" : "Declined";
  pair.replaceWith(done);
  row.dataset.answered = verb;
}

async function copy(button) {
  const field = document.getElementById(button.dataset.target);
  try {
    await navigator.clipboard.writeText(field.value);
  } catch {
    field.select(); // no clipboard permission: leave it selected for Ctrl+C
  }
  button.textContent = "Copied";
}

const ACTIONS = {
  like, follow, copy,
  authorize: (b) => answerRequest(b, "authorize"),
  reject: (b) => answerRequest(b, "reject"),
};

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-action]");
  const action = button && ACTIONS[button.dataset.action];
  if (!action || button.disabled) return;
  button.disabled = true;
  try {
    await action(button);
  } catch (error) {
    button.title = error.message;
    window.alert(error.message);
  } finally {
    button.disabled = false;
  }
});

async function comment(form) {
  const field = form.elements.status;
  const text = field.value.trim();
  if (!text) return;
  const status = await api("POST", "/api/v1/statuses", {
    status: text, in_reply_to_id: form.dataset.id, visibility: form.dataset.visibility,
  });
  const item = document.createElement("li");
  item.className = "comment";
  item.id = `post-${status.id}`;
  const line = document.createElement("div");
  line.className = "caption";
  const who = document.createElement("a");
  who.className = "author";
  who.href = status.account.url;
  who.textContent = status.account.username;
  line.append(who, ` ${text}`);
  item.append(line);
  document.querySelector("[data-comments]").append(item);
  document.querySelector("[data-no-comments]")?.remove();
  field.value = "";
}

document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form[data-comment-form]");
  if (!form) return;
  event.preventDefault();
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    await comment(form);
  } catch (error) {
    window.alert(error.message);
  } finally {
    button.disabled = false;
  }
});

enhance(document);
