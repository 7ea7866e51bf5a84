"""The catalogues base data is tagged and classed by, as first installed (superusers edit them).

Names are the Chinese terms of the practice; the codes are the service's own. Key-person
categories are those the comprehensive-governance practice follows (特殊人群); city components
are grouped under the major classes of GB/T 30428.2 (公用设施, 道路交通, 市容环境, 园林绿化 …).
The visit intervals are a starting point for each street to set (synthetic): a week for high
risk, a fortnight for medium, a month for low.
"""

RESIDENT_TAGS = [
    ("elderly_alone", "独居老人"),
    ("empty_nest", "空巢老人"),
    ("very_elderly", "高龄老人"),
    ("left_behind_child", "留守儿童"),
    ("disability", "残疾人"),
    ("veteran", "退役军人"),
    ("low_income", "低保对象"),
]

KEY_PERSON_CATEGORIES = [
    ("community_correction", "社区矫正对象"),
    ("released_prisoner", "刑满释放人员"),
    ("severe_mental_disorder", "严重精神障碍患者"),
    ("drug_rehabilitation", "社区戒毒社区康复人员"),
    ("at_risk_youth", "重点青少年"),
    ("key_petitioner", "重点信访人员"),
]

VISIT_INTERVAL_DAYS = {"high": 7, "medium": 14, "low": 30}

SAFETY_TAGS = [
    ("nine_small", "九小场所"),
    ("fire_key_unit", "消防安全重点单位"),
    ("crowded_place", "人员密集场所"),
    ("hazardous_chemicals", "危险化学品单位"),
    ("gas_user", "燃气用户"),
]

FACILITY_TYPES = [
    ("water_manhole", "上水井盖", "utilities"),
    ("sewage_manhole", "污水井盖", "utilities"),
    ("rain_manhole", "雨水井盖", "utilities"),
    ("street_light", "路灯", "utilities"),
    ("fire_hydrant", "消防栓", "utilities"),
    ("camera", "监控电子眼", "traffic"),
    ("traffic_light", "交通信号灯", "traffic"),
    ("bus_shelter", "公交站亭", "traffic"),
    ("litter_bin", "果皮箱", "environment"),
    ("public_toilet", "公共厕所", "environment"),
    ("street_tree", "行道树", "greenery"),
]


def install(apps) -> None:
    """Create whichever entries are missing (a data migration's step; edits by superusers stay)."""

    def ensure(model_name, rows, **extra_of):
        model = apps.get_model("registry", model_name)
        for row in rows:
            code, name = row[0], row[1]
            model.objects.get_or_create(
                code=code, defaults={"name": name, **extra_of.get("fn", lambda r: {})(row)}
            )

    ensure("ResidentTag", RESIDENT_TAGS)
    ensure("KeyPersonCategory", KEY_PERSON_CATEGORIES)
    ensure("SafetyTag", SAFETY_TAGS)
    ensure("FacilityType", FACILITY_TYPES, fn=lambda row: {"major": row[2]})
    VisitRule = apps.get_model("registry", "VisitRule")
    for category in apps.get_model("registry", "KeyPersonCategory").objects.all():
        for level, days in VISIT_INTERVAL_DAYS.items():
            VisitRule.objects.get_or_create(
                category=category, risk_level=level, defaults={"interval_days": days}
            )
