"""The taxonomy prior on its own: how it reads a problem's words against its heading path, on
fictional lines (no development-set problem), and what it scores on every gold set."""

from __future__ import annotations

import json

import pytest
from fake_judge import fake_category

from zhenggai.evals.category_prior import main, problem_texts, score_set
from zhenggai.evals.sets import known_set
from zhenggai.extract.categories import ASK_MARGIN, candidates, choose
from zhenggai.extract.category_prior import Prior, prior_for
from zhenggai.llm.client import LLMClient
from zhenggai.schemas.taxonomy import load_taxonomy

AREA_DECISIONS = "(一)贯彻落实党中央决策部署和省委工作要求方面"
AREA_STRICT = "(二)落实全面从严治党主体责任方面"


@pytest.fixture(scope="module")
def prior() -> Prior:
    return Prior(load_taxonomy())


def test_a_longer_term_owns_its_characters_and_a_responsibility_its_area(prior: Prior) -> None:
    # a responsibility for an area is that area's: 安全生产主体责任 is not main_responsibility
    assert prior.choose("青禾集团安全生产主体责任落实不到位")[0] == "risk_safety"
    assert prior.choose("青禾集团党委主体责任落实不到位")[0] == "main_responsibility"
    assert prior.choose("青禾集团意识形态工作责任制落实不到位")[0] == "ideology"
    assert prior.choose("村级集体经济薄弱")[0] == "rural"  # not 集体经济组织 of urban_governance


def test_a_neutral_term_names_whose_problem_not_what_and_a_policy_is_its_areas(prior: Prior) -> None:
    # 下属企业 says whose problem it is: its 企业 is no business_environment
    for line in ("对下属企业负责人考核流于形式", "对下属企业监管不到位"):
        assert prior.choose(line)[0] != "business_environment", line
    assert prior.choose("为企业纾困解难措施不实")[0] == "business_environment"
    # a policy right after an area's term is that area's
    assert prior.choose("惠民政策落实不到位,个别低保对象认定不精准")[0] == "livelihood"
    assert prior.choose("政策落实打折扣")[0] == "central_decisions"


def test_a_manner_term_yields_to_the_area_beside_it_and_an_insert_is_read_through(prior: Prior) -> None:
    # 服务意识 says how a unit works: beside 营商环境 the problem is about the business environment
    assert prior.choose("青禾县委对优化营商环境重视不够、服务意识不强")[0] == "business_environment"
    assert prior.choose("窗口人员服务意识不强")[0] == "work_style"  # alone, the manner term still speaks
    assert prior.choose("园区党建指导员配备不足")[0] == "party_organisation"  # 园区 says where
    assert prior.choose("涉企历史遗留问题化解不力,民营企业诉求办理慢")[0] == "business_environment"
    # a character in brackets is read as part of the word: 河(湖)长 is 河湖长
    assert prior.choose("部分河(湖)长巡查不到位")[0] == "environment"
    assert prior.choose("部分河（湖）长巡查不到位")[0] == "environment"


def test_a_problem_of_the_units_own_business_is_core_duties(prior: Prior) -> None:
    from zhenggai.extract.category_prior import business_terms

    assert business_terms("中共青禾县统计局党组") == {"统计"}
    assert business_terms("中共青禾市委网络安全和信息化委员会办公室") >= {"网络", "安全", "信息"}
    assert business_terms("中共青禾县委") == set() and business_terms("青禾县白鹭镇党委") == set()
    assert "人民" not in business_terms("青禾县人民检察院党组")
    line = "统计数据质量管控不严,部分企业台账不全"
    assert prior.choose(line, unit="中共青禾县统计局党组")[0] == "core_duties"
    assert prior.choose(line)[0] != "core_duties"  # without the unit, nothing says it is its business
    # the unit's words only in the symptoms after the lead clause do not make it its business
    assert prior.choose("党委会研究重大问题较少,统计数据上报不及时", unit="中共青禾县统计局党组")[0] != "core_duties"


def test_own_words_win_over_the_area_and_an_empty_line_inherits_it(prior: Prior) -> None:
    # under a 贯彻落实决策部署 area, a line about industry is development, one about rivers environment
    assert prior.choose("新兴产业规模偏小,龙湾新区产出效益不高", [], AREA_DECISIONS)[0] == "development"
    assert prior.choose("部分河道水质反复", [], AREA_DECISIONS)[0] == "environment"
    # a line that shares (next to) nothing with any category takes its heading's
    assert prior.choose("个别事项迟迟未办结", [], AREA_DECISIONS)[0] == "central_decisions"
    assert prior.choose("个别事项迟迟未办结", [], AREA_STRICT)[0] == "main_responsibility"
    # a parent problem's title speaks before the area
    assert prior.choose("个别单位执行有偏差", ["选人用人工作不规范"], AREA_STRICT)[0] == "cadres"


def test_the_lead_clause_says_what_the_problem_is(prior: Prior) -> None:
    assert prior.choose("干部选拔任用程序不规范,个别项目资金拨付滞后")[0] == "cadres"
    assert prior.choose("项目资金拨付滞后,个别干部选拔任用程序不规范")[0] == "funds_assets"
    # a clause that only sets the scene is not the lead
    assert prior.choose("随着城市化进程加快,村级财务管理不规范")[0] == "funds_assets"


def test_traditional_characters_are_read_as_simplified(prior: Prior) -> None:
    assert prior.choose("選人用人把關不嚴")[0] == prior.choose("选人用人把关不严")[0] == "cadres"


def test_a_secondary_only_when_the_own_words_are_as_much_about_another(prior: Prior) -> None:
    assert set(prior.choose("公务接待和财务管理不规范")) == {"eight_rules", "funds_assets"}
    assert prior.choose("违规发放津贴补贴")[1] == ""
    assert prior.choose("青禾") == ("other", "")  # nothing shared: other


@pytest.mark.parametrize("name", ["seeds", "layouts", "pages", "holdout", "holdout_pages", "holdout_pages2"])
def test_the_prior_on_every_gold_set(name: str) -> None:
    tally = score_set(known_set(name), load_taxonomy())
    assert tally.scored > 0
    # floors a little under the measured figures (README, Categories): a rule that breaks the
    # prior on a set fails here; v1's descriptors do not reach them
    floor = {
        "seeds": 0.85,
        "layouts": 0.88,
        "pages": 0.5,
        "holdout": 0.8,
        "holdout_pages": 0.8,
        "holdout_pages2": 0.85,
    }[name]
    assert tally.accuracy >= floor, (name, tally.accuracy, tally.confusions.most_common(5))
    assert score_set(known_set(name), load_taxonomy("v1")).accuracy < tally.accuracy or name == "pages"


def test_the_prior_scorer_prints_per_set(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--sets", "layouts", "--confusions"])
    out = capsys.readouterr().out
    assert out.startswith("layouts ") and "\nall " in out and " -> " in out


def test_the_scorer_lets_a_model_choose_where_the_prior_is_unsure(judge_llm, llm_fake_settings) -> None:
    """`--model`: the categorize call is made for the unsure gold problems only, and its choice is
    what gets scored (the scripted fake picks by its own rule among the candidates shown)."""
    taxonomy, es = load_taxonomy(), known_set("layouts")
    expected = 0
    asked = 0
    for gold in es.gold().values():
        for p, parents, area in problem_texts(es, gold):
            if p.category is None:
                continue
            ranked = prior_for(taxonomy).scores(p.title, parents, area)
            if ranked[0].score - ranked[1].score < ASK_MARGIN:
                asked += 1
                got = fake_category(p.title[:120], candidates(taxonomy, p.title, parents, area))
            else:
                got = choose(taxonomy, p.title, parents, area)[0]
            expected += got == p.category
    with LLMClient(llm_fake_settings) as client:
        tally = score_set(es, taxonomy, client, "openai/fake-model")
    calls = [r for r in judge_llm.requests if "分类助手" in json.dumps(r.body, ensure_ascii=False)]
    assert asked > 0 and 0 < len(calls) <= asked
    assert tally.correct == expected and tally.scored == score_set(es, taxonomy).scored
