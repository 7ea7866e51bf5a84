"""The figures the seed reproduces, each with the report it comes from.

Report files (newspaper reports on three streets of Chongqing):
  000_e720f72d44c83495.txt  Shengquan 圣泉, 2022 review
  001_c2766e92427a852e.txt  Shengquan, 2020 review
  002_168036b497775af4.txt  Shengquan, "six actions", December 2022
  003_0e5f378dd849a7a6.txt  Jijiang 几江, 2023
  004_4d25d6866cef339f.txt  Dongcheng 东城, 2022

Everything that is not listed here (names of unnamed communities, grids and people, case
texts, times, durations, the number of peacemaker volunteers) is synthetic.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    value: int | tuple[int, int] | tuple[str, ...]
    source: str  # report file
    quote: str  # the figure as the report gives it


R000, R001, R002 = "000_e720f72d44c83495.txt", "001_c2766e92427a852e.txt", "002_168036b497775af4.txt"
R003, R004 = "003_0e5f378dd849a7a6.txt", "004_4d25d6866cef339f.txt"

FIGURES: dict[str, Figure] = {
    # 圣泉街道 Shengquan, 江津区
    "sq_communities": Figure(11, R001, "完成11个村（社区）书记、主任“一肩挑”"),
    # Each named place under the report that names it: 浒溪 is in both 000 and 001, the other
    # three communities only in 001.
    "sq_named_urban_000": Figure(("浒溪社区",), R000, "浒溪社区获评市级最美志愿服务社区"),
    "sq_named_urban_001": Figure(
        ("双龙社区", "海惠社区", "长岭社区"),
        R001,
        "目前双龙、浒溪等4个社区阵地已建成投用 … 海惠社区软弱涣散党组织整治提升工作顺利通过验收"
        " … 长岭社区沙帽沟、三河村桂花山成功创建我区美丽院落",
    ),
    "sq_named_rural": Figure(("三河村", "陡石村"), R001, "已完成三河村、陡石村垃圾分类示范村的建设工作"),
    "sq_grids": Figure(93, R002, "将现有的115个网格整合划分为93个网格"),
    # Residents of an urban community grid; a rural grid is one villager group (村民小组).
    "sq_grid_sizing": Figure(
        (1500, 2000), R002, "以实用常住人口为基础，社区按照1500-2000人为标准，农村以村民小组为标准"
    ),
    "sq_party_branches": Figure(9, R002, "共建立网格党支部9个"),
    "sq_full_time_workers": Figure(33, R002, "派驻社区专职网格员33名"),
    "sq_part_time_workers": Figure(11, R002, "农村兼职网格员11名"),
    "sq_volunteers": Figure(500, R002, "发动500余名老党员、村（社区）干部、楼栋长……"),
    "sq_gold_mediators": Figure(57, R000, "认证金牌调解员57名"),
    "sq_mediators": Figure(201, R000, "调解员201名"),
    "sq_gold_rooms": Figure(11, R000, "设立了金牌调解室11个"),
    "sq_incidents_closed": Figure(1781, R002, "共接收处置办结网格事件1781件"),
    "sq_disputes_mediated": Figure(1341, R000, "调解纠纷1341件"),
    # The grid's base data (人、地、事、物、组织), as collected by the end of 2022.
    "sq_buildings": Figure(989, R002, "已采集楼栋信息989条"),
    "sq_houses": Figure(21507, R002, "房屋信息21507条"),
    "sq_residents": Figure(4835, R002, "人口信息4835条"),
    "sq_key_persons": Figure(271, R002, "特殊人群信息类271条，准确掌握每名重点人员基础信息、服务走访记录"),
    # 几江街道 Jijiang, 江津区
    "jj_communities": Figure(15, R003, "全街道15个村(社区)"),
    "jj_named": Figure(
        ("大西门社区", "通泰门社区"), R003, "家住几江街道大西门社区金桥湾湾的独居老人 … 几江街道通泰门社区"
    ),
    "jj_grids": Figure(168, R003, "划分为168个网格和876个微网格"),
    "jj_micro_grids": Figure(876, R003, "划分为168个网格和876个微网格"),
    "jj_city_cases": Figure(25000, R003, "案件25000余件，结案率99%"),
    "jj_city_cases_closed": Figure(24750, R003, "案件25000余件，结案率99% (25,000 × 99%)"),
    # 东城街道 Dongcheng, 南川区
    "dc_named_urban": Figure(
        ("皂角井社区", "长亭社区", "鼓楼坝社区", "灌坝社区"),
        R004,
        "由皂角井、长亭、鼓楼坝三个社区共同管理 … 灌坝社区“好邻居”党群志愿服务",
    ),
    "dc_named_rural": Figure(
        ("黄渔村", "高桥村"), R004, "黄渔村以1名村社干部+1名党员……建立党群小家 … 高桥村继续推进乡村“和事佬”"
    ),
    "dc_guanba_grids": Figure(30, R004, "在20个物管、非物管小区建成30个千户网格"),
    "dc_guanba_estates": Figure(20, R004, "在20个物管、非物管小区建成30个千户网格"),
    "dc_guanba_party_homes": Figure(200, R004, "200个“党群小家”"),
    "dc_guanba_volunteers": Figure(6000, R004, "注册志愿者6000余人"),
    "dc_grid_levels": Figure(
        ("街道党工委", "村(社区)党委", "党支部", "楼栋党小组(党群小家)", "党员(居民)"),
        R004,
        "东城街道党工委——村(社区)党委——党支部——楼栋党小组(党群小家)——党员(居民)的五级网格体系",
    ),
}


def value(key: str):
    return FIGURES[key].value


SQ_NAMED_URBAN = value("sq_named_urban_000") + value("sq_named_urban_001")
# A thousand-household grid (千户网格) holds about a thousand households (synthetic spread).
THOUSAND_HOUSEHOLDS = (950, 1100)


# Counts the reports give as "more than": the seed adds a synthetic margin on top.
VOLUNTEERS_SQ = value("sq_volunteers") + 24
VOLUNTEERS_GUANBA = value("dc_guanba_volunteers") + 36
# Synthetic: the Gaoqiao village peacemaker team (乡村“和事佬”) has no size in the report.
GAOQIAO_PEACEMAKERS = 12
