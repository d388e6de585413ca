// Search as one types: people, hashtags and posts from /api/v2/search, drawn as the server
// draws them. Everything shown is set as text, never as HTML.
const input = document.querySelector("[data-search-input]");
const results = document.querySelector("[data-search-results]");
const status = document.querySelector("[data-search-status]");
const TONES = 8;
let timer = 0;
let asked = 0;

function crc32(text) {
  let crc = -1;
  for (const byte of new TextEncoder().encode(text)) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ -1) >>> 0;
}

function element(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function avatar(account) {
  if (!account.avatar.endsWith("/static/avatar.png")) {
    return element("img", { className: "avatar md", src: account.avatar, alt: "" });
  }
  const name = account.display_name || account.username;
  const tone = crc32(account.username) % TONES;
  return element("span", { className: `avatar md tone-${tone}` }, name[0].toUpperCase());
}

function person(account) {
  const link = element("a", { className: "author", href: account.url }, account.username);
  const who = element("div", { className: "who" }, link,
    element("span", { className: "muted" }, account.display_name || account.username));
  return element("li", { className: "person" }, avatar(account), who);
}

function tile(status) {
  const link = element("a", { href: new URL(status.url).pathname });
  link.setAttribute("aria-label", status.title || "Post");
  const picture = status.media_attachments.find((m) => m.preview_url);
  if (picture) {
    link.append(element("img", { src: picture.preview_url, alt: picture.description || status.title || "", loading: "lazy" }));
  }
  link.append(element("span", { className: "tile-caption" }, status.title || ""));
  return element("li", {}, link);
}

function section(title, list) {
  return [element("h2", { className: "results-title" }, title), list];
}

function draw(q, found) {
  const parts = [];
  if (found.accounts.length) parts.push(...section("People", element("ul", { className: "people" }, ...found.accounts.map(person))));
  if (found.hashtags.length) {
    const tags = found.hashtags.map((t) => element("li", {}, element("a", { href: `/tags/${encodeURIComponent(t.name)}` }, `#${t.name}`)));
    parts.push(...section("Hashtags", element("ul", { className: "tags" }, ...tags)));
  }
  if (found.statuses.length) parts.push(...section("Posts", element("ul", { className: "grid" }, ...found.statuses.map(tile))));
  if (!parts.length) parts.push(element("p", { className: "empty" }, `Nothing found for “${q}”.`));
  results.replaceChildren(...parts);
  const count = found.accounts.length + found.hashtags.length + found.statuses.length;
  status.textContent = `${count} ${count === 1 ? "result" : "results"}`;
}

async function lookUp() {
  const q = input.value.trim();
  const mine = ++asked;
  history.replaceState(null, "", q ? `/search?q=${encodeURIComponent(q)}` : "/search");
  if (!q) {
    results.replaceChildren();
    status.textContent = "";
    return;
  }
  const response = await fetch(`/api/v2/search?${new URLSearchParams({ q, limit: "12" })}`, {
    credentials: "same-origin", headers: { Accept: "application/json" },
  });
  if (mine !== asked) return; // a newer query is already on its way
  if (!response.ok) {
    status.textContent = "Search is not available right now.";
    return;
  }
  draw(q, await response.json());
}

if (input && results) {
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(lookUp, 200);
  });
  const end = input.value.length;
  input.setSelectionRange(end, end);
}
