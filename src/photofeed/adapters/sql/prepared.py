"""Read statements built once and run on every request, as plain rows.

SQLAlchemy's work per execution (a compiled-cache lookup, an execution context, parameter
and result processing, a Row per row fetched one at a time) costs about as much again as
SQLite takes to answer a feed read's small indexed queries from its page cache, and more
than PostgreSQL takes to answer them over loopback. A feed read runs several of them, so a
prepared statement keeps its compiled SQL, its parameter order and its converters, and
runs straight on the driver's connection: sqlite3 on SQLite's inline reads, asyncpg on
PostgreSQL's (driver_reads.DriverReads). Elsewhere, or for a statement the plan cannot take, it
runs through SQLAlchemy as any other. Either way the caller gets a list of rows that index
and unpack as tuples.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CompoundSelect, Dialect, Select, TextClause
from sqlalchemy.sql.compiler import SQLCompiler

from photofeed.adapters.sql.driver_reads import DriverReads, InlineReads
from photofeed.adapters.sql.router import Reads

Convert = Callable[[Any], Any] | None
Statement = Select[Any] | CompoundSelect[Any] | TextClause
_NO_PARAMETERS: Mapping[str, Any] = {}


@dataclass(frozen=True)
class _Plan:
    """A statement compiled for one dialect, ready for the driver."""

    sql: str
    # Per placeholder, in order: the parameter's name, its value when the caller gives
    # none (a constant of the statement), and the converter the type asks for.
    binds: tuple[tuple[str, Any, Convert], ...]
    # Per result column, the converter the column's type asks for; None when none does.
    results: tuple[Convert, ...] | None

    def parameters(self, values: Mapping[str, Any]) -> list[Any]:
        bound = []
        for name, default, convert in self.binds:
            value = values.get(name, default)
            bound.append(convert(value) if convert is not None else value)
        return bound

    def converted(self, rows: list[Any]) -> list[Any]:
        converters = self.results
        if converters is None:
            return rows
        return [tuple(value if convert is None else convert(value)
                      for convert, value in zip(converters, row, strict=True)) for row in rows]


def _plan(statement: Statement, dialect: Dialect) -> _Plan | None:
    """The driver-ready form of a statement, or None when it needs SQLAlchemy at run time
    (IN lists expanded per execution, values rendered into the SQL)."""
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    if compiled.positiontup is None or compiled.literal_execute_params \
            or compiled.post_compile_params:
        return None
    processors = compiled._bind_processors  # SQLAlchemy keeps them only here
    binds: list[tuple[str, Any, Convert]] = []
    for name in compiled.positiontup:
        bind = compiled.binds[name]
        if bind.expanding or bind.callable is not None:
            return None
        default = None if bind.required else bind.effective_value
        convert = processors.get(name)
        if convert is not None and not callable(convert):
            return None  # a tuple of converters: an expanding tuple parameter
        binds.append((name, default, convert))
    results = tuple(column.type._cached_result_processor(dialect, None)
                    for column in compiled._result_columns)
    return _Plan(sql=compiled.string, binds=tuple(binds),
                 results=results if any(c is not None for c in results) else None)


class Prepared:
    """A read statement built once; `rows` runs it on a read connection."""

    def __init__(self, statement: Statement) -> None:
        self.statement = statement
        self._plans: dict[str, _Plan | None] = {}

    async def rows(self, conn: Reads,
                   values: Mapping[str, Any] = _NO_PARAMETERS) -> Sequence[Any]:
        if isinstance(conn, InlineReads):
            plan = self._plan_for(conn.dialect)
            if plan is not None:
                return plan.converted(conn.run(plan.sql, plan.parameters(values)))
        elif isinstance(conn, DriverReads):
            plan = self._plan_for(conn.dialect)
            if plan is not None:
                return plan.converted(await conn.fetch(plan.sql, plan.parameters(values)))
        return (await conn.execute(self.statement, values)).all()

    async def scalars(self, conn: Reads,
                      values: Mapping[str, Any] = _NO_PARAMETERS) -> list[Any]:
        return [row[0] for row in await self.rows(conn, values)]

    def _plan_for(self, dialect: Dialect) -> _Plan | None:
        try:
            return self._plans[dialect.name]
        except KeyError:
            plan = self._plans[dialect.name] = _plan(self.statement, dialect)
            return plan
