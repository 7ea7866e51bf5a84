"""Synthetic values: names, phones, ID numbers and times, all drawn from one seeded generator.

Nothing here comes from the reports. The generator is created once per seed run with a
fixed seed, and every builder draws from it in a fixed order, so two runs give the same data.
"""

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from grids.privacy import id_number_check_character

RANDOM_SEED = 20221208  # the date of the Shengquan "six actions" report
LOCAL = ZoneInfo("Asia/Shanghai")

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯"
    "邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢傅钟"
)
GIVEN = (
    "建国秀英文华志强桂英明丽军平红霞海燕小红春梅玉兰德福永明晓东思远欣怡子涵浩然雨萱俊杰静怡宇航丹丹国庆淑芬"
)
MOBILE_PREFIXES = ("135", "136", "138", "139", "151", "152", "158", "159", "177", "180", "187", "189", "199")


def new_random(seed: int = RANDOM_SEED) -> random.Random:
    return random.Random(seed)


def person_name(rng: random.Random) -> str:
    given_length = 2 if rng.random() < 0.8 else 1
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(given_length))


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def id_number(rng: random.Random, district_code: str) -> str:
    """A well-formed resident ID number (GB 11643) of someone born 1950–2000 in the district."""
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 50))
    first17 = f"{district_code}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_number_check_character(first17)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL)


def moment_between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A working-hours moment (08:00–20:00) between two instants, to the minute."""
    day = start + timedelta(days=rng.randrange(max((end - start).days, 1)))
    return day.replace(hour=rng.randrange(8, 20), minute=rng.randrange(60), second=0, microsecond=0)


def weighted(rng: random.Random, table: dict):
    return rng.choices(list(table), weights=list(table.values()))[0]
