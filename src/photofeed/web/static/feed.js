// The feed: more posts as one scrolls (the "Older posts" link, followed without leaving the
// page), and a "New posts" banner when the streaming API says someone posted.
import { enhance } from "./enhance.js";

const feed = document.querySelector("[data-feed]");
let loading = false;

async function loadMore(link) {
  if (loading) return;
  loading = true;
  link.setAttribute("aria-busy", "true");
  link.textContent = "Loading…";
  try {
    const response = await fetch(link.getAttribute("href"), { credentials: "same-origin" });
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const post of page.querySelectorAll("[data-feed] > .post")) {
      const added = document.adoptNode(post);
      feed.append(added);
      enhance(added);
    }
    const next = page.querySelector("[data-more]");
    if (next) {
      link.setAttribute("href", next.getAttribute("href"));
      link.textContent = next.textContent;
    } else {
      const end = document.createElement("p");
      end.className = "end muted";
      end.textContent = "You're all caught up.";
      link.replaceWith(end);
    }
  } finally {
    link.removeAttribute("aria-busy");
    loading = false;
  }
}

function infiniteScroll() {
  const link = document.querySelector("[data-more]");
  if (!feed || !link) return;
  link.addEventListener("click", (event) => {
    event.preventDefault();
    loadMore(link);
  });
  if (!("IntersectionObserver" in window)) return;
  const watcher = new IntersectionObserver(async (entries) => {
    if (!entries.some((entry) => entry.isIntersecting)) return;
    await loadMore(link);
    // Observe afresh: if the link is still in view, that fires again and loads more.
    watcher.unobserve(link);
    if (link.isConnected) watcher.observe(link);
  }, { rootMargin: "600px 0px" });
  watcher.observe(link);
}

function newPostsBanner() {
  const banner = document.getElementById("new-posts");
  if (!banner || !window.EventSource) return;
  // Same-origin, so the session cookie goes along; reads need no CSRF token.
  const stream = new EventSource("/api/v1/streaming/user");
  stream.addEventListener("update", (event) => {
    const status = JSON.parse(event.data);
    if (status.in_reply_to_id || document.getElementById(`by-${status.id}`)) return;
    banner.hidden = false;
  });
  window.addEventListener("pagehide", () => stream.close());
  banner.querySelector("button").addEventListener("click", () => {
    window.scrollTo(0, 0);
    window.location.reload();
  });
}

infiniteScroll();
newPostsBanner();
