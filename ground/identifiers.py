"""Identifier rules: USCC (GB 32100), organisation code (GB 11714), resident ID (GB 11643), food licences.

Check digits come from python-stdnum wherever it has them; GB 11714 (the organisation code inside a
USCC) is not in stdnum, so its weights live here. Each scalar validator has a vectorised twin in
:mod:`ingestion.checks` for validation at province scale; tests assert the two always agree.
"""

from __future__ import annotations

import re
from datetime import date

from stdnum.cn import ric, uscc
from stdnum.iso7064 import mod_11_10

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I O S V Z
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3^i mod 31
ORG_CODE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # GB 11714 value of a character = its index
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
RIC_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))

assert uscc._alphabet == USCC_ALPHABET  # stdnum is the oracle; fail loudly if it ever diverges

# Food licences: SC + 3-digit category + 6-digit region + 4-digit seq + check; JY + 1 + region + 6 seq + check.
SC_PATTERN = re.compile(r"^SC[12]\d{2}\d{6}\d{4}\d$")
JY_PATTERN = re.compile(r"^JY[123]\d{6}\d{6}\d$")
XK_PATTERN = re.compile(r"^(\([\u4e00-\u9fff]\))?XK\d{2}-\d{3}-\d{5}$")
TS_PATTERN = re.compile(r"^TS[0-9A-Z]{5,10}(-\d{4})?$")
DRUG_PATTERN = re.compile(r"^[\u4e00-\u9fff]\d{8}$")
DECISION_NUMBER_PATTERN = re.compile(r"^.+〔(19|20)\d{2}〕.*\d+号$")


def org_code_check_char(body8: str) -> str:
    """GB 11714 check character for the 8-character body of an organisation code."""
    total = sum(ORG_CODE_ALPHABET.index(c) * w for c, w in zip(body8, ORG_CODE_WEIGHTS))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def uscc_check_char(first17: str) -> str:
    return uscc.calc_check_digit(first17)


def make_uscc(dept: str, kind: str, region: str, org_body8: str) -> str:
    """Build a valid USCC from its parts (both check characters computed)."""
    body = f"{dept}{kind}{region}{org_body8}{org_code_check_char(org_body8)}"
    return body + uscc_check_char(body)


def is_valid_uscc(number: str) -> bool:
    """Both checks: the MOD-31 check character (stdnum) and the GB 11714 organisation code.

    The value must already be in canonical form (stdnum would first drop spaces and hyphens and upper-case it).
    """
    if number != uscc.compact(number) or not uscc.is_valid(number):
        return False
    org = number[8:17]
    if any(c not in ORG_CODE_ALPHABET for c in org):
        return False
    return org_code_check_char(org[:8]) == org[8]


def is_valid_ric(number: str) -> bool:
    """Resident ID: stdnum's check digit plus a real birth date (stdnum's birth-place rule is too strict)."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    if ric.calc_check_digit(number) != number[-1]:
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()


def make_ric(region: str, born: date, seq3: str) -> str:
    body = f"{region}{born:%Y%m%d}{seq3}"
    return body + ric.calc_check_digit(body + "0")


def food_licence_check_digit(number_without_check: str) -> str:
    """ISO 7064 MOD 11,10 over the digits after the two-letter prefix (SC/JY)."""
    return mod_11_10.calc_check_digit(number_without_check[2:])


def is_valid_licence_number(number: str) -> bool:
    if number.startswith(("SC", "JY")):
        if not (SC_PATTERN.match(number) or JY_PATTERN.match(number)):
            return False
        return mod_11_10.is_valid(number[2:])
    return bool(XK_PATTERN.match(number) or TS_PATTERN.match(number) or DRUG_PATTERN.match(number))


def mask_id_number(number: str) -> str:
    """Mask digits 11–14 of an 18-character ID, as the courts' public data does: 3209231969****1513."""
    if len(number) != 18:
        return "*" * len(number)
    return number[:10] + "****" + number[14:]
