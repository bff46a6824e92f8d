"""The sample book's customers: fictional Japanese companies, who owns them, and what each one shows.

``profile`` is either a plain level (``"A"`` thriving … ``"E"`` at risk: the generator draws answers,
touchpoints and usage that fit it) or the name of a story the bonfire theory is about (see
``storage/sample/README.md``). Names are invented; any likeness to a real company is an accident.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Company:
    external_id: str
    segment: str
    name: str
    name_kana: str
    owner: str
    profile: str
    aliases: tuple[str, ...] = ()


SATO, SUZUKI, EMILY, JAMES = "U0SATO", "U0SUZUKI", "U0EMILY", "U0JAMES"


C = Company
COMPANIES: tuple[Company, ...] = (
    # --- the stories -----------------------------------------------------------------------------
    C(
        "CRM-0001",
        "EP",
        "東陽フーズ株式会社",
        "トウヨウフーズ",
        SATO,
        "healthy_reference",
        ("東陽", "Toyo Foods"),
    ),
    C("CRM-0002", "MM", "株式会社かもめ水産", "カモメスイサン", SUZUKI, "at_risk_reference", ("かもめ",)),
    C(
        "CRM-0003",
        "EP",
        "北斗ロジスティクス株式会社",
        "ホクトロジスティクス",
        JAMES,
        "po_left",
        ("北斗ロジ", "Hokuto Logistics"),
    ),
    C(
        "CRM-0004",
        "MM",
        "株式会社ひかり食品工業",
        "ヒカリショクヒンコウギョウ",
        SATO,
        "no_pl",
        ("ひかり食品",),
    ),
    C("CRM-0005", "SMB", "株式会社すずらん介護", "スズランカイゴ", EMILY, "onboarding_stalled"),
    C(
        "CRM-0006",
        "MM",
        "有明精密株式会社",
        "アリアケセイミツ",
        SUZUKI,
        "ember_found_late",
        ("Ariake Precision",),
    ),
    C(
        "CRM-0007",
        "MM",
        "株式会社錦ホテルマネジメント",
        "ニシキホテルマネジメント",
        EMILY,
        "silent",
        ("錦ホテル",),
    ),
    C("CRM-0008", "SMB", "株式会社こだま印刷", "コダマインサツ", SUZUKI, "stale_assessment"),
    C("CRM-0009", "MM", "株式会社菱和プラント", "リョウワプラント", JAMES, "opposition"),
    C(
        "CRM-0010",
        "MM",
        "株式会社朝霧乳業",
        "アサギリニュウギョウ",
        SATO,
        "unknown_after_merger",
        ("朝霧ミルク",),
    ),
    C("CRM-0011", "SMB", "株式会社ゆずりは", "ユズリハ", EMILY, "brand_new"),
    C(
        "CRM-0012",
        "EP",
        "清流飲料株式会社",
        "セイリュウインリョウ",
        JAMES,
        "renewal_at_risk",
        ("清流", "Seiryu Beverage"),
    ),
    # --- enterprise --------------------------------------------------------------------------------
    C("CRM-0013", "EP", "株式会社みなと製作所", "ミナトセイサクショ", SATO, "A", ("みなと製", "MINATO")),
    C("CRM-0014", "EP", "八雲ホテルズ株式会社", "ヤクモホテルズ", JAMES, "B", ("Yakumo Hotels",)),
    C("CRM-0015", "EP", "株式会社葵建設", "アオイケンセツ", SATO, "C"),
    C("CRM-0016", "EP", "日乃出製菓株式会社", "ヒノデセイカ", JAMES, "A", ("日乃出",)),
    C("CRM-0017", "EP", "株式会社瑞穂ケミカル", "ミズホケミカル", SATO, "B"),
    C("CRM-0018", "EP", "丸富百貨店株式会社", "マルトミヒャッカテン", JAMES, "D", ("丸富", "Marutomi")),
    C("CRM-0019", "EP", "株式会社東雲電機", "シノノメデンキ", SATO, "B"),
    C("CRM-0020", "EP", "相模鉄工株式会社", "サガミテッコウ", JAMES, "C"),
    C("CRM-0021", "EP", "株式会社白鷺リテール", "シラサギリテール", SATO, "A"),
    C("CRM-0022", "EP", "桜田ファーマ株式会社", "サクラダファーマ", JAMES, "B", ("Sakurada Pharma",)),
    C("CRM-0023", "EP", "株式会社隼運輸", "ハヤブサウンユ", SATO, "E"),
    # --- mid-market --------------------------------------------------------------------------------
    C("CRM-0024", "MM", "株式会社つばさ物流", "ツバサブツリュウ", SUZUKI, "B"),
    C("CRM-0025", "MM", "高砂ビルサービス株式会社", "タカサゴビルサービス", EMILY, "C"),
    C("CRM-0026", "MM", "株式会社いろは酒造", "イロハシュゾウ", SATO, "A", ("いろは",)),
    C("CRM-0027", "MM", "信濃パッケージ株式会社", "シナノパッケージ", SUZUKI, "B"),
    C("CRM-0028", "MM", "株式会社青葉ケアサービス", "アオバケアサービス", EMILY, "C"),
    C("CRM-0029", "MM", "株式会社若松鋳造", "ワカマツチュウゾウ", SUZUKI, "D"),
    C("CRM-0030", "MM", "北陸テキスタイル株式会社", "ホクリクテキスタイル", EMILY, "B"),
    C("CRM-0031", "MM", "株式会社松風ベーカリー", "マツカゼベーカリー", SATO, "A"),
    C("CRM-0032", "MM", "東海クリーンテック株式会社", "トウカイクリーンテック", SUZUKI, "C"),
    C("CRM-0033", "MM", "株式会社紅葉リゾート", "モミジリゾート", EMILY, "B", ("もみじリゾート",)),
    C("CRM-0034", "MM", "株式会社富岳ゴム工業", "フガクゴムコウギョウ", SUZUKI, "D"),
    C("CRM-0035", "MM", "株式会社三笠冷凍", "ミカサレイトウ", EMILY, "C"),
    C("CRM-0036", "MM", "株式会社ことぶき給食", "コトブキキュウショク", SATO, "B"),
    C("CRM-0037", "MM", "株式会社鳴門製麺", "ナルトセイメン", SUZUKI, "E"),
    C("CRM-0038", "MM", "株式会社天城木材", "アマギモクザイ", EMILY, "C"),
    C("CRM-0039", "MM", "株式会社銀河警備保障", "ギンガケイビホショウ", JAMES, "B"),
    # --- small business ----------------------------------------------------------------------------
    C("CRM-0040", "SMB", "有限会社さくら弁当", "サクラベントウ", SUZUKI, "B"),
    C("CRM-0041", "SMB", "株式会社やまびこ工務店", "ヤマビココウムテン", EMILY, "C"),
    C("CRM-0042", "SMB", "合同会社ほたるベーカリー", "ホタルベーカリー", SUZUKI, "A"),
    C("CRM-0043", "SMB", "株式会社あかね精肉", "アカネセイニク", EMILY, "D"),
    C("CRM-0044", "SMB", "有限会社つくし農園", "ツクシノウエン", SUZUKI, "B"),
    C("CRM-0045", "SMB", "株式会社たちばな運送", "タチバナウンソウ", EMILY, "C"),
    C("CRM-0046", "SMB", "株式会社ふたば歯科技工", "フタバシカギコウ", SUZUKI, "B"),
    C("CRM-0047", "SMB", "株式会社みどり清掃", "ミドリセイソウ", EMILY, "E"),
    C("CRM-0048", "SMB", "株式会社いぶき食堂", "イブキショクドウ", SUZUKI, "C"),
    C("CRM-0049", "SMB", "株式会社しおさい旅館", "シオサイリョカン", EMILY, "A", ("潮騒旅館",)),
    C("CRM-0050", "SMB", "株式会社かえで設備", "カエデセツビ", SUZUKI, "D"),
    C("CRM-0051", "SMB", "株式会社はやて電設", "ハヤテデンセツ", EMILY, "B"),
    C("CRM-0052", "SMB", "株式会社わかば保育サービス", "ワカバホイクサービス", SUZUKI, "C"),
    C("CRM-0053", "SMB", "有限会社こまち製麺所", "コマチセイメンジョ", EMILY, "B"),
    C("CRM-0054", "SMB", "株式会社あさひ冷機", "アサヒレイキ", SUZUKI, "D"),
    C("CRM-0055", "SMB", "株式会社なぎさ水産加工", "ナギサスイサンカコウ", EMILY, "C"),
    C("CRM-0056", "SMB", "株式会社あじさい薬局", "アジサイヤッキョク", SUZUKI, "A"),
    C("CRM-0057", "SMB", "株式会社こもれび不動産", "コモレビフドウサン", EMILY, "B"),
    C("CRM-0058", "SMB", "株式会社ひまわり配食", "ヒマワリハイショク", SUZUKI, "C"),
    C("CRM-0059", "SMB", "株式会社つむぎ縫製", "ツムギホウセイ", EMILY, "E"),
    C("CRM-0060", "SMB", "株式会社いなほ精米", "イナホセイマイ", SUZUKI, "churned"),
)
