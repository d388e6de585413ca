// Settings: name, bio, private account and profile photo, saved through the API.
import { api } from "./app.js";

const form = document.querySelector("[data-settings]");
const status = form.querySelector("[data-status]");
const picker = form.elements.avatar;

picker.addEventListener("change", () => {
  const file = picker.files[0];
  if (!file) return;
  const preview = Object.assign(document.createElement("img"), {
    className: "avatar lg", alt: "", src: URL.createObjectURL(file),
  });
  form.querySelector("[data-avatar-preview]").replaceChildren(preview);
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = form.querySelector("button[type=submit]");
  const body = new FormData();
  body.append("display_name", form.elements.display_name.value);
  body.append("note", form.elements.note.value);
  body.append("locked", form.elements.locked.checked ? "true" : "false");
  if (picker.files[0]) body.append("avatar", picker.files[0]);
  button.disabled = true;
  status.textContent = "";
  try {
    const account = await api("PATCH", "/api/v1/accounts/update_credentials", body);
    status.className = "status";
    status.textContent = account.locked ? "Saved. Your account is private." : "Saved.";
  } catch (error) {
    status.className = "error";
    status.textContent = error.message;
  } finally {
    button.disabled = false;
  }
});
