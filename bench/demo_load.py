#!/usr/bin/env python3
"""Files N demo cases through the API (registering a pre-qualification for each), so workers have
live work and the overview's charts a line. About one in four has too few medical-insurance months,
so its medical transfer fails and shows up on the failed-work page.

usage: demo_load.py BASE_URL OPERATOR_TOKEN AGENT_TOKEN ORGANISATION N
"""
import json
import random
import sys
import urllib.error
import urllib.request

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
SURNAMES = "王李张刘陈杨赵黄周吴"
GIVEN = "伟芳娜敏静丽强磊军洋"


def resident_id(rng):
    birth = f"{rng.randint(1962, 1965)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    sequence = rng.randrange(1, 999, 2)  # odd: a man, whose retirement age the demo keeps simple
    first17 = "220102" + birth + f"{sequence:03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]
    return first17 + check


def call(method, url, token, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def main():
    base, operator, agent, organisation, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    rng = random.Random()
    filed = 0
    for _ in range(count):
        number = resident_id(rng)
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        short = rng.random() < 0.25
        status, _ = call("PUT", f"{base}/api/v1/prequalifications/{number}", operator, {
            "name": name, "category": "male", "organisation": organisation, "passed": True,
            "contributionMonths": 300, "deemedMonths": 24, "medicalContributionMonths": 100 if short else 300,
            "fundCentre": "changchun"})
        if status != 200:
            continue
        status, _ = call("POST", f"{base}/api/v1/cases", agent, {
            "retiree": {"name": name, "idNumber": number}, "pensionBenefit": True, "medicalTransfer": True,
            "housingFund": {"action": "seal", "centre": "changchun"}})
        filed += status == 201
    print(f"filed {filed} demo cases")


if __name__ == "__main__":
    main()
