"""Use cases for accounts: sign up, find, and change one's profile."""

from __future__ import annotations

from dataclasses import replace

from photofeed import ids
from photofeed.domain import accounts as rules
from photofeed.domain.accounts import Account, Credentials, ProfileChanges
from photofeed.domain.errors import FieldError, NotFound, ValidationFailed
from photofeed.ports.accounts import AccountStore, EmailTaken, UsernameTaken
from photofeed.ports.passwords import PasswordHasher
from photofeed.services.clock import Clock, utc_now


class AccountService:
    def __init__(self, *, store: AccountStore, hasher: PasswordHasher, id_source: ids.IdGenerator,
                 clock: Clock = utc_now) -> None:
        self._store = store
        self._hasher = hasher
        self._ids = id_source
        self._clock = clock

    async def register(self, *, username: str, email: str, password: str, agreement: bool,
                       locale: str = "en") -> Account:
        """Create an account that can sign in at once."""
        problems = {name: errors for name, errors in (
            ("username", rules.check_username(username)),
            ("email", rules.check_email(email)),
            ("password", rules.check_password(password)),
            ("agreement", [] if agreement else [FieldError("ERR_ACCEPTED", "must be accepted")]),
        ) if errors}
        if problems:
            raise ValidationFailed(problems)
        now = self._clock()
        account = Account(
            # Minted on the username's shard so the account row and the uniqueness check on
            # its username share a database.
            id=self._ids.new_id(ids.shard_for_key(rules.username_key(username))),
            username=username, display_name="", note="", avatar_key=None, locked=False,
            bot=False, discoverable=True, locale=(locale or "en")[:16], created_at=now,
            updated_at=now)
        try:
            await self._store.create(account, Credentials(
                email=email.strip(), password_hash=await self._hasher.hash(password)))
        except UsernameTaken:
            raise ValidationFailed({"username": [FieldError("ERR_TAKEN", "is already taken")]}
                                   ) from None
        except EmailTaken:
            raise ValidationFailed({"email": [FieldError("ERR_TAKEN", "is already taken")]}
                                   ) from None
        return account

    async def authenticate(self, *, login: str, password: str) -> Account | None:
        """The account whose username or e-mail and password these are, else None."""
        login = login.strip()
        if not login or len(login) > rules.EMAIL_MAX or len(password) > rules.PASSWORD_MAX:
            return None
        if "@" in login:
            account = await self._store.find_by_email(login)
        else:
            account = await self._store.find_by_username(login.removeprefix("@"))
        if account is None:
            return None
        password_hash = await self._store.password_hash(account.id)
        if password_hash is None:  # deleted since it was found
            return None
        return account if await self._hasher.verify(password_hash, password) else None

    async def get(self, account_id: int) -> Account:
        account = await self._store.get(account_id)
        if account is None:
            raise NotFound("Record not found")
        return account

    async def lookup(self, acct: str, *, domain: str) -> Account:
        """An account by `username` or `username@domain`, where domain is this server's."""
        username, _, host = acct.strip().removeprefix("@").partition("@")
        # Someone on another server is not our namesake; a name no account could have is
        # not looked for at all.
        if (host and host.lower() != domain.lower()) or rules.check_username(username):
            raise NotFound("Record not found")
        account = await self._store.find_by_username(username)
        if account is None:
            raise NotFound("Record not found")
        return account

    async def all_ids(self) -> list[int]:
        return await self._store.all_ids()

    async def update_profile(self, *, account_id: int, changes: ProfileChanges) -> Account:
        problems = rules.check_profile(changes)
        if problems:
            raise ValidationFailed(problems)
        changes = replace(changes, display_name=_clean(changes.display_name),
                          note=_clean(changes.note))
        account = await self._store.update_profile(account_id, changes)
        if account is None:
            raise NotFound("Record not found")
        return account


def _clean(text: str | None) -> str | None:
    """Drop control characters that would let a name break other people's layouts."""
    if text is None:
        return None
    return "".join(ch for ch in text if ch in "\n\t" or ch.isprintable()).strip()
