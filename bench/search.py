"""Chinese search benchmark: ``python -m bench.search [--quick] [--documents N] [--repeat R]``.

How to find Chinese text, where words have no spaces between them and PostgreSQL has no Chinese parser. Two
ways, measured on the same made-up corpus (documents built from a vocabulary of Chinese words, seeded, so every
run sees the same text):

* **bigrams** (what the site search does, migration 0022): each run of Han characters cut into overlapping
  bigrams in a tsvector (``search_documents``, GIN); a query is a phrase of its bigrams (one character: a
  prefix);
* **pg_trgm**: the raw text in a table with a ``gin_trgm_ops`` index, queried with ``ILIKE '%word%'`` (exact
  substrings: a query of one or two characters has no trigram, so the index cannot narrow it down) and with the
  fuzzy ``word <% text`` (word similarity, pg_trgm's default threshold 0.6).

Hit quality is precision and recall against the truth computed in Python (a document matches when it contains
every word of the query as a substring). Latency is the median over every query, each run ``--repeat`` times.
The anchor, measured in the same run: an English full-text query (``english`` configuration, GIN) on an English
corpus of the same size and shape, which is what the five other languages cost.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from uuid import UUID, uuid4

import asyncpg

from bench.common import embedded_servers, fresh_database, machine, markdown_table, quiet_logs, say

_ZH = (
    "互联网 治理 数据 安全 接入 普遍 网络 合作 数字 平台 对话 论坛 青年 政府 企业 学术界 社会组织 人工智能 隐私 保护 "
    "多利益相关方 基础设施 农村 宽带 标准 开放 透明 可持续发展 能力建设 性别 包容 语言 多语种 网络犯罪 儿童 在线 信任 "
    "创新 经济 教育 卫生 气候 环境 区块链 云计算 物联网 频谱 社区 网络中立 内容 审核 版权 跨境 流动 主权 域名 "
    "年度 会议 报告 建议 成员 秘书处 国家 区域 地方 城市 大学 研究 技术 社群 议程 原则 权利 义务 数字鸿沟"
)
_EN = (
    "internet governance data security access universal network cooperation digital platform dialogue forum "
    "youth government business academia society intelligence privacy protection multistakeholder "
    "infrastructure rural broadband standards open transparent sustainable development capacity gender "
    "inclusion language multilingual cybercrime children online trust innovation economy education health "
    "climate environment blockchain cloud things spectrum community neutrality content moderation copyright "
    "crossborder flows sovereignty domain yearly meeting report recommendation members secretariat national "
    "regional local city university research technology agenda principles rights duties divide"
)
ZH_WORDS = _ZH.split()
EN_WORDS = _EN.split()
PUNCTUATION = "\uff0c\u3002\u3001\uff1b"  # full-width comma, full stop, enumeration comma, semicolon
# Rarer words besides the common ones: made of the common words' characters and a few hundred more, so that a
# query matches a few percent of the documents, not most of them.
HAN = sorted(set("".join(ZH_WORDS)) | {chr(0x4E00 + i * 37) for i in range(300)})
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def vocabulary(
    rng: random.Random, common: list[str], alphabet: str | list[str], size: int = 3000
) -> list[str]:
    return common + [
        "".join(
            rng.choice(alphabet)
            for _ in range(rng.choice((2, 2, 3, 4)) * (1 if isinstance(alphabet, list) else 3))
        )
        for _ in range(size)
    ]


def pick(rng: random.Random, words: list[str], common: int) -> str:
    """A common word three times in ten, else any word of the vocabulary."""
    return rng.choice(words[:common]) if rng.random() < 0.3 else rng.choice(words)


def zh_document(rng: random.Random, words_of: list[str]) -> str:
    words = [pick(rng, words_of, len(ZH_WORDS)) for _ in range(rng.randint(40, 120))]
    out = []
    for word in words:
        out.append(word)
        if rng.random() < 0.12:
            out.append(rng.choice(PUNCTUATION))
    return "".join(out)


def en_document(rng: random.Random, words_of: list[str]) -> str:
    return " ".join(pick(rng, words_of, len(EN_WORDS)) for _ in range(rng.randint(40, 120)))


def zh_queries(rng: random.Random, corpus: list[str], words_of: list[str]) -> list[tuple[str, str]]:
    """(shape, query): one character, words of two, three and four or more, two words, and a substring that
    crosses two words (a reader's query need not be one of our words)."""
    queries: list[tuple[str, str]] = []
    by_length = {n: [w for w in words_of if len(w) == n] for n in (2, 3)}
    longer = [w for w in words_of if len(w) >= 4]
    for _ in range(10):
        queries.append(("1 character", rng.choice(rng.choice(words_of))))
        queries.append(("2-character word", rng.choice(by_length[2])))
        queries.append(("3-character word", rng.choice(by_length[3])))
        queries.append(("4+ character word", rng.choice(longer)))
        queries.append(("two words", f"{rng.choice(ZH_WORDS)} {rng.choice(words_of)}"))
        text = rng.choice(corpus)
        start = rng.randrange(0, len(text) - 4)
        piece = text[start : start + 3]
        if not any(p in piece for p in PUNCTUATION):
            queries.append(("substring across words", piece))
    return queries


def truth(corpus: dict[UUID, str], query: str) -> set[UUID]:
    terms = query.split()
    return {key for key, text in corpus.items() if all(term in text for term in terms)}


BIGRAMS = (
    "SELECT object_id FROM search_documents WHERE language = 'zh' AND document @@ search_query('zh', $1)"
)
TRIGRAM_LIKE = "SELECT id FROM bench_zh_trgm WHERE text ILIKE ALL ($1::text[])"
TRIGRAM_FUZZY = "SELECT id FROM bench_zh_trgm WHERE $1 <% text"
ENGLISH = (
    "SELECT object_id FROM search_documents WHERE language = 'en' AND document @@ search_query('en', $1)"
)


async def timed(conn: asyncpg.Connection, sql: str, arg: object, repeat: int) -> tuple[float, set[UUID]]:
    found: set[UUID] = set()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        rows = await conn.fetch(sql, arg)
        times.append((time.perf_counter() - start) * 1000)
        found = {row[0] for row in rows}
    return statistics.median(times), found


async def load(
    conn: asyncpg.Connection, documents: int, rng: random.Random
) -> tuple[dict[UUID, str], list[str], list[str], list[str]]:
    zh_words = vocabulary(rng, ZH_WORDS, HAN)
    en_words = vocabulary(rng, EN_WORDS, LETTERS)
    zh = {uuid4(): zh_document(rng, zh_words) for _ in range(documents)}
    en = [en_document(rng, en_words) for _ in range(documents)]
    await conn.execute("CREATE TABLE bench_zh_trgm (id uuid PRIMARY KEY, text text NOT NULL)")
    await conn.copy_records_to_table("bench_zh_trgm", records=list(zh.items()))
    await conn.execute("CREATE INDEX bench_zh_trgm_idx ON bench_zh_trgm USING gin (text gin_trgm_ops)")
    records = [("nri", key, "zh", text[:12], text, f"/nris/{key}") for key, text in zh.items()]
    records += [("nri", uuid4(), "en", text[:40], text, "/nris/x") for text in en]
    await conn.executemany(
        "INSERT INTO search_documents (kind, object_id, language, title, body, path, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, now())",
        records,
    )
    await conn.execute("VACUUM ANALYZE")
    return zh, en, zh_words, en_words


async def run(database_url: str, args: argparse.Namespace) -> str:
    rng = random.Random(17)  # noqa: S311 - a seeded corpus, the same in every run; not a secret
    conn = await asyncpg.connect(database_url)
    try:
        start = time.perf_counter()
        zh, _en, zh_words, en_words = await load(conn, args.documents, rng)
        say(
            f"loaded {args.documents} Chinese and {args.documents} English documents in {time.perf_counter() - start:.1f} s"
        )
        queries = zh_queries(rng, list(zh.values()), zh_words)
        en_queries = [
            (rng.choice(EN_WORDS) + ("s" if i % 2 else "")) if i % 3 == 0 else rng.choice(en_words)
            for i in range(len(queries))
        ]
        anchor = [(await timed(conn, ENGLISH, q, args.repeat))[0] for q in en_queries]
        methods: dict[str, list[float]] = {
            "bigrams (tsvector)": [],
            "pg_trgm ILIKE": [],
            "pg_trgm word similarity": [],
        }
        quality: dict[str, dict[str, list[tuple[int, int, int]]]] = {m: {} for m in methods}
        for shape, query in queries:
            expected = truth(zh, query)
            runs = {
                "bigrams (tsvector)": (BIGRAMS, query),
                "pg_trgm ILIKE": (TRIGRAM_LIKE, [f"%{term}%" for term in query.split()]),
                "pg_trgm word similarity": (TRIGRAM_FUZZY, query),
            }
            for method, (sql, arg) in runs.items():
                ms, found = await timed(conn, sql, arg, args.repeat)
                methods[method].append(ms)
                quality[method].setdefault(shape, []).append(
                    (len(found & expected), len(found), len(expected))
                )
        sizes = {
            "bigrams (tsvector)": await conn.fetchval(
                "SELECT pg_size_pretty(pg_relation_size('search_documents_document_idx'))"
            ),
            "pg_trgm ILIKE": await conn.fetchval(
                "SELECT pg_size_pretty(pg_relation_size('bench_zh_trgm_idx'))"
            ),
        }
        version = await conn.fetchval("SHOW server_version")
    finally:
        await conn.close()
    anchor_ms = statistics.median(anchor)
    rows = [["anchor: English full text (english, GIN)", f"{anchor_ms:.2f}", "1.00", "", "", ""]]
    for method, times in methods.items():
        hit, got, want = (sum(x[i] for cases in quality[method].values() for x in cases) for i in range(3))
        rows.append(
            [
                method,
                f"{statistics.median(times):.2f}",
                f"{statistics.median(times) / anchor_ms:.2f}",
                f"{hit / got:.3f}" if got else "n/a",
                f"{hit / want:.3f}" if want else "n/a",
                sizes.get(method, "(the same index)"),
            ]
        )
    shapes = sorted({shape for cases in quality.values() for shape in cases})
    per_shape = []
    for shape in shapes:
        row = [shape]
        for method in methods:
            cases = quality[method][shape]
            hit, got, want = (sum(x[i] for x in cases) for i in range(3))
            row.append(f"{hit / got if got else 1:.2f} / {hit / want if want else 1:.2f}")
        per_shape.append(row)
    return "\n".join(
        [
            f"## Chinese search ({args.documents} Chinese documents, {len(queries)} queries, "
            f"{args.repeat} runs each)",
            "",
            machine(version),
            "",
            markdown_table(
                ["method", "median ms / query", "ratio to anchor", "precision", "recall", "index size"], rows
            ),
            "",
            "Precision / recall by query shape:",
            "",
            markdown_table(["query shape", *methods], per_shape),
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 documents, 3 runs per query")
    parser.add_argument("--documents", type=int, default=None, help="documents per language (default 20,000)")
    parser.add_argument("--repeat", type=int, default=None, help="runs per query (default 5)")
    args = parser.parse_args(argv)
    args.documents = args.documents or (2_000 if args.quick else 20_000)
    args.repeat = args.repeat or (3 if args.quick else 5)
    quiet_logs()
    with embedded_servers() as (embedded, _tmp):
        url = asyncio.run(fresh_database(embedded.database_url, "bench_search"))
        print(asyncio.run(run(url, args)), flush=True)  # noqa: T201 - the results
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
