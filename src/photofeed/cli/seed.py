"""photofeed seed: demo people, follows and generated photos, so a new instance looks alive.

Everything goes through the services, as a person using the app would: sign-ups, follows,
uploads (drawn here with Pillow), posts, likes and comments. The outbox is worked through
at the end, so the feeds are filled before the server even starts.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFilter

from photofeed import bootstrap
from photofeed.cli.common import settings_from
from photofeed.domain.accounts import Account, ProfileChanges
from photofeed.domain.errors import ValidationFailed
from photofeed.domain.posts import NewPost
from photofeed.services.media import MediaDetails
from photofeed.workers.runner import OutboxWorker

PASSWORD = "photofeed-demo"  # noqa: S105 - the demo accounts' published password
PEOPLE = [
    ("ada", "Ada Lovelace", "Poetical science. Mostly sunsets."),
    ("grace", "Grace Hopper", "Nanoseconds, ships and harbours."),
    ("alan", "Alan Turing", "Long runs in the hills."),
    ("katherine", "Katherine Johnson", "Counting stars since forever."),
    ("margaret", "Margaret Hamilton", "Night skies and launch pads."),
    ("tim", "Tim Berners-Lee", "Links, lakes and long walks."),
    ("hedy", "Hedy Lamarr", "Frequency hopping between cities."),
    ("radia", "Radia Perlman", "Spanning trees, mostly real ones."),
    ("barbara", "Barbara Liskov", "Substitutable landscapes."),
    ("dennis", "Dennis Ritchie", "Terse captions."),
    ("edsger", "Edsger Dijkstra", "Shortest path to the summit."),
    ("frances", "Frances Allen", "Optimising my weekends."),
]
# (title, hashtags, sky top, sky bottom, sun, land): one palette per kind of scene.
SCENES = [
    ("Sunset over the ridge", "#sunset #mountains", "#2b1055", "#ff9a62", "#ffe29a", "#3a2449"),
    ("Blue hour at the lake", "#bluehour #lake", "#0b1d3a", "#4f7cac", "#dfe8f5", "#14263f"),
    ("Morning fog in the valley", "#morning #hiking", "#8ec5fc", "#e0c3fc", "#fffbe6", "#5d6d7e"),
    ("Desert dusk", "#desert #travel", "#4a1942", "#f8b195", "#fff1c1", "#6c3a2c"),
    ("Alpine noon", "#alps #summer", "#1e90ff", "#bde3ff", "#ffffff", "#2e5e3e"),
    ("Harbour lights", "#night #city", "#03001e", "#7303c0", "#fdeff9", "#150f2e"),
    ("Northern sky", "#aurora #winter", "#001a1a", "#1f9c8c", "#e6fff9", "#0d1f26"),
    ("Golden fields", "#countryside #goldenhour", "#f6d365", "#fda085", "#fff6d5", "#8a5a2b"),
]
MOODS = ["Worth the early alarm.", "No filter needed.", "Could watch this all day.",
         "Took the long way home.", "Same place, new light.", "Ten minutes of pure quiet.",
         "Pocket-sized adventure.", "The walk back was even better."]
COMMENTS = ["Wow, those colours!", "I want to go there.", "Stunning light.", "Frame this!",
            "So calm.", "Where is this?", "Beautiful shot", "That sky though"]


@dataclass
class Plan:
    users: int
    posts: int
    rng: random.Random


def add_parser(commands: Any) -> argparse.ArgumentParser:
    seed = commands.add_parser("seed", help="fill a new instance with demo people and photos")
    seed.add_argument("--users", type=int, default=8, help="how many demo people (default 8)")
    seed.add_argument("--posts", type=int, default=3,
                      help="how many photo posts each person makes (default 3)")
    seed.add_argument("--random-seed", type=int, default=7, help="for a repeatable result")
    seed.add_argument("--if-empty", action="store_true",
                      help="do nothing if the instance already has people")
    seed.set_defaults(run=run)
    return seed  # type: ignore[no-any-return]


def run(args: argparse.Namespace) -> int:
    if args.users < 1 or args.posts < 0:
        print("--users must be at least 1 and --posts at least 0", file=sys.stderr)
        return 2
    settings = settings_from(args).model_copy(update={"inprocess_workers": False})
    plan = Plan(args.users, args.posts, random.Random(args.random_seed))  # noqa: S311 - demo data

    async def main() -> int:
        container = await bootstrap.build(settings)
        try:
            if args.if_empty and await container.accounts.all_ids():
                print("This instance already has people; not seeding.")
                return 0
            people = await _seed(container, plan)
        finally:
            await container.close()
        print(file=sys.stderr)
        print(f"Seeded {len(people)} people with {len(people) * plan.posts} posts.")
        print(f"Start the server (photofeed serve), open {settings.base_url}/signin and sign in "
              f"as {people[0].username} with the password {PASSWORD}")
        return 0

    return asyncio.run(main())


async def _seed(container: bootstrap.Container, plan: Plan) -> list[Account]:
    progress = Progress(plan.users * (2 + plan.posts))
    people = [await _person(container, plan, i, progress) for i in range(plan.users)]
    for person in people:
        for other in plan.rng.sample(people, k=len(people)):
            if other.id != person.id and plan.rng.random() < 0.7:
                await container.graph.follow(actor=person, target_id=other.id)
        progress.step("follows")
    for number in range(plan.posts):
        for person in people:
            await _post(container, plan, person, people, number)
            progress.step("photos")
    worker = OutboxWorker(container.outbox, container.handlers, lease=timedelta(seconds=60))
    await worker.run_until_idle(max_rounds=1000)  # fan-out now: feeds ready at first sight
    return people


async def _person(container: bootstrap.Container, plan: Plan, index: int,
                  progress: Progress) -> Account:
    base, name, bio = PEOPLE[index % len(PEOPLE)]
    username = base if index < len(PEOPLE) else f"{base}{index // len(PEOPLE) + 1}"
    for attempt in range(100):  # a second seed run finds the names taken
        candidate = username if attempt == 0 else f"{username}{attempt + 1}"
        try:
            account = await container.accounts.register(
                username=candidate, email=f"{candidate}@example.com", password=PASSWORD,
                agreement=True)
            break
        except ValidationFailed:
            continue
    else:
        raise RuntimeError(f"no free username like {username}")
    progress.step("people")
    return await container.accounts.update_profile(
        account_id=account.id, changes=ProfileChanges(display_name=name, note=bio))


async def _post(container: bootstrap.Container, plan: Plan, author: Account,
                people: list[Account], number: int) -> None:
    rng = plan.rng
    scene = SCENES[(people.index(author) * 3 + number) % len(SCENES)]
    media_ids = []
    for frame in range(2 if rng.random() < 0.2 else 1):  # now and then a carousel
        async with container.media.workspace() as work:
            src = await asyncio.to_thread(draw_scene, scene, rng.random(), work / "photo.jpg")
            item = await container.media.upload(
                actor=author, src=src, work=work,
                details=MediaDetails(description=f"{scene[0]}: generated landscape {frame + 1}"))
        media_ids.append(item.id)
    view = await container.posts.create(actor=author, new=NewPost(
        title=scene[0], caption=f"{rng.choice(MOODS)} {scene[1]}", media_ids=media_ids))
    for fan in rng.sample(people, k=rng.randint(len(people) // 3, len(people) - 1)):
        if fan.id != author.id:
            await container.posts.favourite(actor=fan, post_id=view.post.id, on=True)
    if rng.random() < 0.5:
        commenter = rng.choice([p for p in people if p.id != author.id] or [author])
        await container.posts.create(actor=commenter, new=NewPost(
            caption=rng.choice(COMMENTS), in_reply_to_id=view.post.id))


def draw_scene(scene: tuple[str, ...], salt: float, target: Path) -> Path:
    """A landscape: a sky gradient, a sun, and three ridges of hills, slightly soft."""
    _, _, top, bottom, sun, land = scene
    rng = random.Random(salt)  # noqa: S311 - shapes of hills, not secrets
    width, height = 1080, rng.choice([1080, 1350, 810])
    image = Image.new("RGB", (width, height))
    paint = ImageDraw.Draw(image)
    a, b = _rgb(top), _rgb(bottom)
    for y in range(height):
        t = y / height
        paint.line([(0, y), (width, y)], fill=tuple(round(a[i] + (b[i] - a[i]) * t)
                                                    for i in range(3)))
    x, y = rng.randint(150, width - 150), rng.randint(height // 6, height // 2)
    r = rng.randint(50, 110)
    if sum(a) < 150:  # a dark sky: stars
        for _ in range(160):
            sx, sy, size = rng.randrange(width), rng.randrange(height // 2), rng.random() * 2.2
            paint.ellipse([sx, sy, sx + size, sy + size], fill=(255, 255, 240))
    paint.ellipse([x - r, y - r, x + r, y + r], fill=_rgb(sun))
    for depth in range(3):
        paint.polygon(_ridge(rng, width, height, depth), fill=_shade(_rgb(land), b, depth))
    if rng.random() < 0.5:  # a lake that mirrors the sky, a little darker
        _lake(image, rng)
    image = image.filter(ImageFilter.GaussianBlur(1.2))
    image.save(target, "JPEG", quality=88)
    return target


def _lake(image: Image.Image, rng: random.Random) -> None:
    width, height = image.size
    shore = int(height * rng.uniform(0.72, 0.8))
    mirrored = image.crop((0, 2 * shore - height, width, shore)).transpose(
        Image.Transpose.FLIP_TOP_BOTTOM)
    water = Image.blend(mirrored, Image.new("RGB", mirrored.size, (10, 20, 40)), 0.35)
    image.paste(water.filter(ImageFilter.GaussianBlur(3)), (0, shore))


def _ridge(rng: random.Random, width: int, height: int, depth: int) -> list[tuple[int, int]]:
    base = height * (0.55 + 0.14 * depth)
    points = [(0, height)]
    for step in range(0, width + 60, 60):
        points.append((step, int(base - rng.random() * height * (0.18 - 0.04 * depth))))
    return [*points, (width, height)]


def _shade(land: tuple[int, ...], sky: tuple[int, ...], depth: int) -> tuple[int, ...]:
    """Far ridges fade toward the sky's colour; the nearest is the land's own."""
    mix = (2 - depth) * 0.3
    return tuple(round(land[i] * (1 - mix) + sky[i] * mix) for i in range(3))


def _rgb(colour: str) -> tuple[int, ...]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, total: int) -> None:
        self.total, self.done = max(total, 1), 0

    def step(self, what: str) -> None:
        self.done += 1
        filled = 30 * self.done // self.total
        print(f"\r[{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total} {what:<8}",
              end="", file=sys.stderr, flush=True)
