// Bring server-rendered posts to life: blurhash placeholders and carousel dots. Used on
// every page with photos, signed in or not; the pages read fine without it.
import { placeholder } from "./blurhash.js";

function followDots(carousel) {
  const slides = carousel.querySelector(".slides");
  const dots = carousel.querySelectorAll(".dots li");
  if (!slides || dots.length < 2) return;
  slides.addEventListener("scroll", () => {
    const index = Math.round(slides.scrollLeft / slides.clientWidth);
    dots.forEach((dot, i) => dot.classList.toggle("on", i === index));
  }, { passive: true });
}

/** Enhance the page, or posts added to it later. */
export function enhance(root) {
  root.querySelectorAll("img[data-blurhash]").forEach(placeholder);
  root.querySelectorAll(".carousel").forEach(followDots);
}
