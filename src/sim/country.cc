#include "sim/country.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <ctime>

#include "sim/seeded_hash.h"

namespace dhl::sim {
namespace {

using dhis2::PeriodType;

struct ScaleShape {
  int regions, districts_per_region, chiefdoms_per_district, facilities, tracked_entities;
};

ScaleShape ShapeOf(Scale scale) {
  switch (scale) {
    case Scale::kSmall:
      return {4, 3, 2, 56, 300};
    case Scale::kMedium:
      return {8, 6, 5, 2750, 10000};
    case Scale::kLarge:
      return {14, 10, 9, 27500, 50000};
  }
  return {4, 3, 2, 56, 300};
}

// Tags that keep the hash streams of different things apart.
enum CountryTag : uint64_t {
  kTagUid = 1,
  kTagName,
  kTagOpening,
  kTagClosed,
  kTagSize,
  kTagFacilityType,
  kTagOwnership,
  kTagCreated,
  kTagParent,
};

class Builder {
 public:
  Builder(Country& country, uint64_t seed) : country_(country), seed_(seed) {}

  std::string Uid(uint64_t kind, uint64_t index) {
    return UidFromHash(SeededHash(seed_, {kTagUid, kind, index}));
  }
  double Unit(std::initializer_list<uint64_t> parts) { return SeededUnit(seed_, parts); }

  // Metadata timestamps: created some years before the data starts, updated a little later.
  void Stamp(NamedObject& object, uint64_t kind, uint64_t index) {
    int64_t base = DateToMillis(country_.first_day) - 400 * kDayMs;
    object.created_ms = base +
                        static_cast<int64_t>(Unit({kTagCreated, kind, index}) * 300) * kDayMs +
                        static_cast<int64_t>(Unit({kTagCreated, kind, index, 1}) * kDayMs);
    object.updated_ms = object.created_ms +
                        static_cast<int64_t>(Unit({kTagCreated, kind, index, 2}) * 600) * kDayMs;
  }

  NamedObject Named(uint64_t kind, uint64_t index, std::string code, std::string name) {
    NamedObject object;
    object.uid = Uid(kind, index);
    object.code = std::move(code);
    object.name = std::move(name);
    Stamp(object, kind, index);
    return object;
  }

  std::string PlaceName(uint64_t kind, uint64_t index) {
    static constexpr std::array<const char*, 24> kSyllables = {
        "ka", "bo", "ma", "ne", "lu", "sa", "ti", "ko", "ra", "mo", "ya", "gbe",
        "wu", "fa", "di", "le", "ba", "ku", "se", "no", "pe", "jo", "ri", "ta"};
    uint64_t h = SeededHash(seed_, {kTagName, kind, index});
    int count = 2 + static_cast<int>(h % 2);
    std::string name;
    for (int i = 0; i < count; ++i) {
      h = Mix64(h);
      name += kSyllables[h % kSyllables.size()];
    }
    name[0] = static_cast<char>(name[0] - 'a' + 'A');
    return name;
  }

 private:
  Country& country_;
  uint64_t seed_;
};

enum Kind : uint64_t {
  kOrgUnit = 100,
  kLevel,
  kGroup,
  kGroupSet,
  kOption,
  kCategory,
  kCombo,
  kOptionCombo,
  kElement,
  kElementGroup,
  kDataSet,
  kIndicatorType,
  kIndicator,
  kConstant,
  kRule,
  kAttribute,
  kStage,
  kProgram,
  kEntityType,
  kProgramIndicator,
  kRelationshipType,
  kPredictor,
};

Box SubBox(const Box& parent, int index, int count) {
  int columns = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(count))));
  int rows = (count + columns - 1) / columns;
  int column = index % columns;
  int row = index / columns;
  double width = (parent.east - parent.west) / columns;
  double height = (parent.north - parent.south) / rows;
  return {parent.west + column * width, parent.south + row * height,
          parent.west + (column + 1) * width, parent.south + (row + 1) * height};
}

void BuildOrgUnits(Country& country, Builder& builder, const ScaleShape& shape) {
  auto add = [&](int level, int parent, std::string name, std::string code, Box box) {
    OrgUnit unit;
    int index = static_cast<int>(country.org_units.size());
    unit.uid = builder.Uid(kOrgUnit, static_cast<uint64_t>(index));
    unit.level = level;
    unit.parent = parent;
    unit.name = std::move(name);
    unit.short_name = unit.name.substr(0, 50);
    unit.code = std::move(code);
    unit.box = box;
    unit.path = (parent >= 0 ? country.org_units[parent].path : std::string()) + "/" + unit.uid;
    int year =
        1975 + static_cast<int>(builder.Unit({kTagOpening, static_cast<uint64_t>(index)}) * 40);
    unit.opening = std::chrono::sys_days(std::chrono::year(year) / std::chrono::January / 1);
    NamedObject stamps = builder.Named(kOrgUnit, static_cast<uint64_t>(index), "", "");
    unit.created_ms = stamps.created_ms;
    unit.updated_ms = stamps.updated_ms;
    country.org_units.push_back(std::move(unit));
    if (parent >= 0) {
      country.org_units[parent].children.push_back(index);
    }
    return index;
  };
  Box national{-13.3, 6.9, -10.2, 10.0};
  add(1, -1, "Republic of Simulania", "SIM", national);
  std::vector<int> chiefdoms;
  for (int r = 0; r < shape.regions; ++r) {
    Box region_box = SubBox(national, r, shape.regions);
    int region = add(2, 0, builder.PlaceName(2, static_cast<uint64_t>(r)) + " Region",
                     fmt::format("SIM_R{:02d}", r + 1), region_box);
    for (int d = 0; d < shape.districts_per_region; ++d) {
      uint64_t d_index = static_cast<uint64_t>(r * shape.districts_per_region + d);
      Box district_box = SubBox(region_box, d, shape.districts_per_region);
      int district = add(3, region, builder.PlaceName(3, d_index) + " District",
                         fmt::format("SIM_R{:02d}_D{:02d}", r + 1, d + 1), district_box);
      for (int c = 0; c < shape.chiefdoms_per_district; ++c) {
        uint64_t c_index = d_index * 100 + static_cast<uint64_t>(c);
        int chiefdom = add(4, district, builder.PlaceName(4, c_index),
                           fmt::format("SIM_R{:02d}_D{:02d}_C{:02d}", r + 1, d + 1, c + 1),
                           SubBox(district_box, c, shape.chiefdoms_per_district));
        chiefdoms.push_back(chiefdom);
      }
    }
  }
  static constexpr std::array<const char*, 5> kTypeSuffix = {"CHC", "CHP", "MCHP", "Hospital",
                                                             "Clinic"};
  static constexpr std::array<double, 5> kTypeSize = {1.6, 0.9, 0.6, 3.0, 1.0};
  int first_data_year = static_cast<int>(std::chrono::year_month_day(country.first_day).year());
  for (int f = 0; f < shape.facilities; ++f) {
    uint64_t fi = static_cast<uint64_t>(f);
    int chiefdom = chiefdoms[static_cast<size_t>(f) % chiefdoms.size()];
    const OrgUnit& parent = country.org_units[chiefdom];
    double type_draw = builder.Unit({kTagFacilityType, fi});
    int type = type_draw < 0.25   ? 0
               : type_draw < 0.55 ? 1
               : type_draw < 0.85 ? 2
               : type_draw < 0.93 ? 3
                                  : 4;
    double x = parent.box.west + (0.1 + 0.8 * builder.Unit({kTagParent, fi, 1})) *
                                     (parent.box.east - parent.box.west);
    double y = parent.box.south + (0.1 + 0.8 * builder.Unit({kTagParent, fi, 2})) *
                                      (parent.box.north - parent.box.south);
    std::string name = builder.PlaceName(5, fi) + " " + kTypeSuffix[type];
    int index = add(5, chiefdom, name, fmt::format("SIM_F{:05d}", f + 1), {x, y, x, y});
    OrgUnit& unit = country.org_units[index];
    unit.facility_type = type;
    unit.ownership = builder.Unit({kTagOwnership, fi}) < 0.7      ? 0
                     : builder.Unit({kTagOwnership, fi, 1}) < 0.6 ? 1
                                                                  : 2;
    // Workload: log-normal around the type's size.
    double u1 = std::max(1e-9, builder.Unit({kTagSize, fi, 1}));
    double u2 = builder.Unit({kTagSize, fi, 2});
    double normal = std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
    unit.size = kTypeSize[type] * std::exp(0.35 * normal);
    double opening_draw = builder.Unit({kTagOpening, fi, 7});
    if (opening_draw < 0.05) {
      // Opened during the data years: no data before.
      int days = static_cast<int>(builder.Unit({kTagOpening, fi, 8}) *
                                  static_cast<double>((country.today - country.first_day).count()));
      unit.opening = country.first_day + std::chrono::days(days);
    } else {
      int year = std::min(first_data_year - 1, 1975 + static_cast<int>(opening_draw * 45));
      unit.opening = std::chrono::sys_days(
          std::chrono::year(year) / std::chrono::month(1 + static_cast<unsigned>(fi % 12)) / 1);
    }
    if (builder.Unit({kTagClosed, fi}) < 0.03) {
      int days = static_cast<int>(builder.Unit({kTagClosed, fi, 1}) *
                                  static_cast<double>((country.today - country.first_day).count()));
      Date closed = country.first_day + std::chrono::days(days);
      if (closed > unit.opening) {
        unit.closed = closed;
      }
    }
    country.facilities.push_back(index);
  }
}

void BuildCategories(Country& country, Builder& builder) {
  auto option = [&](std::string code, std::string name) {
    int index = static_cast<int>(country.category_options.size());
    country.category_options.push_back(
        builder.Named(kOption, static_cast<uint64_t>(index), code, name));
    return index;
  };
  auto category = [&](std::string code, std::string name, std::vector<int> options,
                      bool attribute) {
    int index = static_cast<int>(country.categories.size());
    Category c;
    static_cast<NamedObject&>(c) =
        builder.Named(kCategory, static_cast<uint64_t>(index), code, name);
    c.options = std::move(options);
    c.attribute = attribute;
    country.categories.push_back(std::move(c));
    return index;
  };
  int default_option = option("default", "default");
  country.category_options[default_option].uid = "xYerKDKCefk";
  int male = option("MALE", "Male");
  int female = option("FEMALE", "Female");
  int under5 = option("AGE_LT5", "<5y");
  int age5to14 = option("AGE_5_14", "5-14y");
  int age15 = option("AGE_GE15", "15y+");
  int government = option("FUND_GOV", "Government");
  int donor = option("FUND_DONOR", "Donor");
  int default_category = category("default", "default", {default_option}, false);
  country.categories[default_category].uid = "GLevLNI9wkl";
  int sex = category("SEX", "Sex", {male, female}, false);
  int age = category("AGE", "Age group", {under5, age5to14, age15}, false);
  int funding = category("FUNDING", "Funding", {government, donor}, true);

  static constexpr std::array<double, 2> kSexShare = {0.46, 0.54};
  static constexpr std::array<double, 3> kAgeShare = {0.3, 0.2, 0.5};
  auto combo = [&](std::string code, std::string name, std::vector<int> categories,
                   bool attribute) {
    int index = static_cast<int>(country.category_combos.size());
    CategoryCombo c;
    static_cast<NamedObject&>(c) = builder.Named(kCombo, static_cast<uint64_t>(index), code, name);
    c.categories = categories;
    c.attribute = attribute;
    // Option combos: the cartesian product of the categories' options.
    std::vector<std::vector<int>> products = {{}};
    for (int cat : categories) {
      std::vector<std::vector<int>> next;
      for (const auto& prefix : products) {
        for (int opt : country.categories[cat].options) {
          auto extended = prefix;
          extended.push_back(opt);
          next.push_back(std::move(extended));
        }
      }
      products = std::move(next);
    }
    for (const auto& options : products) {
      CategoryOptionCombo coc;
      int coc_index = static_cast<int>(country.category_option_combos.size());
      std::string coc_name;
      double share = 1.0;
      for (int opt : options) {
        coc_name += (coc_name.empty() ? "" : ", ") + country.category_options[opt].name;
        if (opt == male || opt == female) {
          share *= kSexShare[opt == male ? 0 : 1];
        } else if (opt >= under5 && opt <= age15) {
          share *= kAgeShare[opt - under5];
        } else if (opt == government || opt == donor) {
          share *= opt == government ? 0.7 : 0.3;
        }
      }
      static_cast<NamedObject&>(coc) =
          builder.Named(kOptionCombo, static_cast<uint64_t>(coc_index), "", coc_name);
      coc.combo = index;
      coc.options = options;
      coc.share = share;
      c.option_combos.push_back(coc_index);
      country.category_option_combos.push_back(std::move(coc));
    }
    country.category_combos.push_back(std::move(c));
    return index;
  };
  int default_combo = combo("default", "default", {default_category}, false);
  country.category_combos[default_combo].uid = "bjDvmb4bfuf";
  country.category_option_combos[0].uid = "HllvX50cXC0";
  combo("SEX", "Sex", {sex}, false);
  combo("AGE", "Age group", {age}, false);
  combo("SEX_AGE", "Sex and age group", {sex, age}, false);
  combo("FUNDING", "Funding mechanism", {funding}, true);
}

enum Combo { kDefaultCombo = 0, kSexCombo = 1, kAgeCombo = 2, kSexAgeCombo = 3, kFundingCombo = 4 };

struct ElementSpec {
  const char* code;
  const char* name;
  const char* value_type;
  const char* aggregation_type;
  int combo;
  double base;
  Season season;
  int data_set;  // -1 tracker, -2 a predictor's output (in no data set, never reported)
  bool min_max;
  double presence;
};

constexpr std::array<ElementSpec, 30> kElements = {{
    {"ANC1", "ANC 1st visit", "INTEGER_ZERO_OR_POSITIVE", "SUM", kDefaultCombo, 12, Season::kMild,
     0, true, 0.95},
    {"ANC4", "ANC 4th or more visits", "INTEGER_ZERO_OR_POSITIVE", "SUM", kDefaultCombo, 7,
     Season::kMild, 0, true, 0.93},
    {"DELIV", "Deliveries in facility", "INTEGER_ZERO_OR_POSITIVE", "SUM", kDefaultCombo, 8,
     Season::kNone, 0, true, 0.93},
    {"LIVEBIRTH", "Live births", "INTEGER_ZERO_OR_POSITIVE", "SUM", kSexCombo, 8, Season::kNone, 0,
     false, 0.93},
    {"OPD", "OPD consultations", "NUMBER", "SUM", kSexAgeCombo, 120, Season::kMild, 0, true, 0.95},
    {"MAL_CONF", "Malaria confirmed cases", "INTEGER_ZERO_OR_POSITIVE", "SUM", kSexAgeCombo, 30,
     Season::kMalaria, 0, true, 0.93},
    {"MAL_TEST", "Malaria tests performed", "INTEGER_ZERO_OR_POSITIVE", "SUM", kDefaultCombo, 60,
     Season::kMalaria, 0, false, 0.93},
    {"BCG", "BCG doses given", "INTEGER_ZERO_OR_POSITIVE", "SUM", kDefaultCombo, 9, Season::kNone,
     0, false, 0.93},
    {"PENTA3", "Penta 3 doses given", "INTEGER_ZERO_OR_POSITIVE", "SUM", kDefaultCombo, 8,
     Season::kNone, 0, false, 0.93},
    {"MEASLES", "Measles doses given", "INTEGER_ZERO_OR_POSITIVE", "SUM", kDefaultCombo, 7,
     Season::kNone, 0, false, 0.93},
    {"ACT_STOCKOUT", "ACT stock-out during month", "BOOLEAN", "AVERAGE", kDefaultCombo, 0.15,
     Season::kNone, 0, false, 0.97},
    {"BED_OCC", "Bed occupancy rate", "PERCENTAGE", "AVERAGE", kDefaultCombo, 55, Season::kNone, 0,
     false, 0.85},
    {"HW_DUTY", "Health workers on duty", "INTEGER_POSITIVE", "LAST", kDefaultCombo, 6,
     Season::kNone, 0, false, 0.9},
    {"REMARKS", "Facility remarks", "TEXT", "NONE", kDefaultCombo, 0, Season::kNone, 0, false, 0.1},
    {"IDSR_MAL", "Suspected malaria cases (weekly)", "INTEGER_ZERO_OR_POSITIVE", "SUM",
     kDefaultCombo, 15, Season::kMalaria, 1, false, 0.97},
    {"IDSR_CHOL", "Suspected cholera cases", "INTEGER_ZERO_OR_POSITIVE", "SUM", kDefaultCombo, 0.3,
     Season::kMild, 1, false, 0.9},
    {"IDSR_MEAS", "Suspected measles cases", "INTEGER_ZERO_OR_POSITIVE", "SUM", kDefaultCombo, 0.5,
     Season::kNone, 1, false, 0.9},
    {"IDSR_AFP", "AFP cases", "INTEGER_ZERO_OR_POSITIVE", "SUM", kDefaultCombo, 0.1, Season::kNone,
     1, false, 0.9},
    {"IDSR_DEATH", "Deaths reported (weekly)", "INTEGER_ZERO_OR_POSITIVE", "SUM", kDefaultCombo,
     0.4, Season::kNone, 1, false, 0.9},
    {"SUP_VISITS", "Supervision visits", "INTEGER_ZERO_OR_POSITIVE", "SUM", kFundingCombo, 2,
     Season::kNone, 2, false, 0.9},
    {"FRIDGES", "Functional cold-chain fridges", "INTEGER_ZERO_OR_POSITIVE", "LAST", kFundingCombo,
     2, Season::kNone, 2, false, 0.9},
    {"STOCKOUT_DAYS", "Average stock-out days", "NUMBER", "AVERAGE", kFundingCombo, 3,
     Season::kNone, 2, false, 0.9},
    {"POP", "Total population", "NUMBER", "AVERAGE_SUM_ORG_UNIT", kDefaultCombo, 8000,
     Season::kNone, 3, false, 1.0},
    {"POP_PREG", "Expected pregnancies", "NUMBER", "AVERAGE_SUM_ORG_UNIT", kDefaultCombo, 320,
     Season::kNone, 3, false, 1.0},
    {"POP_U1", "Population under 1 year", "NUMBER", "AVERAGE_SUM_ORG_UNIT", kDefaultCombo, 300,
     Season::kNone, 3, false, 1.0},
    {"HB", "Hemoglobin (g/dL)", "NUMBER", "AVERAGE", kDefaultCombo, 11, Season::kNone, -1, false,
     1.0},
    {"WEIGHT", "Weight (kg)", "NUMBER", "AVERAGE", kDefaultCombo, 62, Season::kNone, -1, false,
     1.0},
    {"DELIV_OUTCOME", "Delivery outcome", "TEXT", "NONE", kDefaultCombo, 0, Season::kNone, -1,
     false, 1.0},
    {"OPD_EXPECTED", "OPD consultations expected (predicted)", "NUMBER", "SUM", kDefaultCombo, 0,
     Season::kNone, -2, false, 0},
    {"MAL_THRESHOLD", "Malaria epidemic threshold (predicted)", "NUMBER", "SUM", kDefaultCombo, 0,
     Season::kNone, -2, false, 0},
}};

int ElementIndex(std::string_view code) {
  for (size_t i = 0; i < kElements.size(); ++i) {
    if (code == kElements[i].code) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

void BuildData(Country& country, Builder& builder) {
  for (size_t i = 0; i < kElements.size(); ++i) {
    const ElementSpec& spec = kElements[i];
    DataElement de;
    static_cast<NamedObject&>(de) = builder.Named(kElement, i, spec.code, spec.name);
    de.short_name = std::string(spec.name).substr(0, 50);
    de.value_type = spec.value_type;
    de.aggregation_type = spec.aggregation_type;
    de.domain_type = spec.data_set == -1 ? "TRACKER" : "AGGREGATE";
    de.combo = spec.combo;
    de.zero_is_significant = std::string_view(spec.aggregation_type) == "AVERAGE";
    de.base = spec.base;
    de.season = spec.season;
    de.presence = spec.presence;
    de.data_set = spec.data_set;
    de.min_max = spec.min_max;
    country.data_elements.push_back(std::move(de));
  }
  struct SetSpec {
    const char* code;
    const char* name;
    PeriodType type;
    int timely_days;
    int attribute_combo;
    double report_rate;
  };
  static constexpr std::array<SetSpec, 4> kSets = {{
      {"HMIS_MONTHLY", "HMIS monthly facility report", PeriodType::kMonthly, 15, kDefaultCombo,
       0.86},
      {"IDSR_WEEKLY", "IDSR weekly surveillance", PeriodType::kWeekly, 2, kDefaultCombo, 0.82},
      {"SUPERVISION_Q", "Quarterly supervision", PeriodType::kQuarterly, 30, kFundingCombo, 0.8},
      {"POPULATION", "Population estimates", PeriodType::kYearly, 0, kDefaultCombo, 1.0},
  }};
  for (size_t s = 0; s < kSets.size(); ++s) {
    DataSet ds;
    static_cast<NamedObject&>(ds) = builder.Named(kDataSet, s, kSets[s].code, kSets[s].name);
    ds.short_name = kSets[s].name;
    ds.period_type = kSets[s].type;
    ds.timely_days = kSets[s].timely_days;
    ds.attribute_combo = kSets[s].attribute_combo;
    ds.report_rate = kSets[s].report_rate;
    for (size_t e = 0; e < country.data_elements.size(); ++e) {
      if (country.data_elements[e].data_set == static_cast<int>(s)) {
        ds.elements.push_back(static_cast<int>(e));
      }
    }
    ds.org_units = country.facilities;
    for (const auto& period :
         dhis2::PeriodsBetween(ds.period_type, country.first_day, country.today)) {
      if (period.start() >= country.first_day) {
        ds.periods.push_back(period);
      }
    }
    country.data_sets.push_back(std::move(ds));
  }
  auto group = [&](std::string code, std::string name, std::vector<std::string_view> members) {
    size_t index = country.data_element_groups.size();
    country.data_element_groups.push_back(builder.Named(kElementGroup, index, code, name));
    std::vector<int> ids;
    for (auto member : members) {
      ids.push_back(ElementIndex(member));
    }
    country.data_element_group_members.push_back(std::move(ids));
  };
  group("MATERNAL", "Maternal health", {"ANC1", "ANC4", "DELIV", "LIVEBIRTH"});
  group("MALARIA", "Malaria", {"MAL_CONF", "MAL_TEST", "ACT_STOCKOUT", "IDSR_MAL"});
  group("IMMUNISATION", "Immunisation", {"BCG", "PENTA3", "MEASLES"});
  group("POPULATION", "Population", {"POP", "POP_PREG", "POP_U1"});

  auto type = [&](std::string name, int factor, bool number) {
    IndicatorType t;
    static_cast<NamedObject&>(t) =
        builder.Named(kIndicatorType, country.indicator_types.size(), "", name);
    t.factor = factor;
    t.number = number;
    country.indicator_types.push_back(std::move(t));
  };
  type("Per cent", 100, false);
  type("Per thousand", 1000, false);
  type("Number (factor 1)", 1, true);

  for (int k = 0; k < 2; ++k) {
    Constant constant;
    static_cast<NamedObject&>(constant) =
        k == 0 ? builder.Named(kConstant, 0, "PREG_SHARE", "Share of population pregnant")
               : builder.Named(kConstant, 1, "U1_SHARE", "Share of population under 1");
    constant.value = k == 0 ? 0.04 : 0.037;
    country.constants.push_back(std::move(constant));
  }

  auto de = [&](std::string_view code) {
    return "#{" + country.data_elements[static_cast<size_t>(ElementIndex(code))].uid + "}";
  };
  auto coc = [&](std::string_view code, int combo_option) {
    const DataElement& element = country.data_elements[static_cast<size_t>(ElementIndex(code))];
    int coc_index = country.category_combos[element.combo].option_combos[combo_option];
    return "#{" + element.uid + "." + country.category_option_combos[coc_index].uid + "}";
  };
  struct IndicatorSpec {
    std::string code, name, numerator, numerator_description, denominator, denominator_description;
    int type;
    bool annualized;
  };
  std::string hmis = country.data_sets[0].uid;
  std::vector<IndicatorSpec> specs = {
      {"IND_ANC1_COV", "ANC 1 coverage", de("ANC1"), "ANC 1st visits", de("POP_PREG"),
       "Expected pregnancies", 0, true},
      {"IND_ANC4_COV", "ANC 4 coverage", de("ANC4"), "ANC 4th visits", de("POP_PREG"),
       "Expected pregnancies", 0, true},
      {"IND_ANC_DROP", "ANC 1-4 drop-out rate", "(" + de("ANC1") + " - " + de("ANC4") + ")",
       "ANC1 - ANC4", de("ANC1"), "ANC 1st visits", 0, false},
      {"IND_DELIV_COV", "Facility delivery coverage", de("DELIV"), "Deliveries", de("POP_PREG"),
       "Expected pregnancies", 0, true},
      {"IND_MAL_POS", "Malaria test positivity rate", de("MAL_CONF"), "Confirmed malaria",
       de("MAL_TEST"), "Malaria tests", 0, false},
      {"IND_BCG_COV", "BCG coverage <1y", de("BCG"), "BCG doses", de("POP_U1"), "Population <1y", 0,
       true},
      {"IND_PENTA3_COV", "Penta 3 coverage <1y", de("PENTA3"), "Penta 3 doses", de("POP_U1"),
       "Population <1y", 0, true},
      {"IND_MEASLES_COV", "Measles coverage <1y", de("MEASLES"), "Measles doses", de("POP_U1"),
       "Population <1y", 0, true},
      {"IND_OPD_UTIL", "OPD visits per 1000 population", de("OPD"), "OPD consultations", de("POP"),
       "Total population", 1, true},
      {"IND_OPD_U5_SHARE", "Share of OPD consultations under 5",
       coc("OPD", 0) + " + " + coc("OPD", 3), "OPD <5y", de("OPD"), "OPD consultations", 0, false},
      {"IND_MAL_INC", "Malaria incidence per 1000", de("MAL_CONF"), "Confirmed malaria", de("POP"),
       "Total population", 1, true},
      {"IND_MAL_CASES", "Malaria confirmed cases", de("MAL_CONF"), "Confirmed malaria", "1", "One",
       2, false},
      {"IND_PREG_EST", "Pregnancies estimated from population",
       de("POP") + " * C{" + country.constants[0].uid + "}", "Population x pregnant share", "1",
       "One", 2, false},
      {"IND_HMIS_RR", "HMIS reporting rate", "R{" + hmis + ".REPORTING_RATE}", "Reporting rate",
       "1", "One", 2, false},
  };
  for (size_t i = 0; i < specs.size(); ++i) {
    Indicator ind;
    static_cast<NamedObject&>(ind) = builder.Named(kIndicator, i, specs[i].code, specs[i].name);
    ind.short_name = specs[i].name.substr(0, 50);
    ind.numerator = specs[i].numerator;
    ind.numerator_description = specs[i].numerator_description;
    ind.denominator = specs[i].denominator;
    ind.denominator_description = specs[i].denominator_description;
    ind.indicator_type = specs[i].type;
    ind.annualized = specs[i].annualized;
    country.indicators.push_back(std::move(ind));
  }
  struct RuleSpec {
    std::string code, name, left, op, right, importance;
  };
  std::vector<RuleSpec> rules = {
      {"VR_ANC4_LE_ANC1", "ANC 4th visits <= ANC 1st visits", de("ANC4"), "less_than_or_equal_to",
       de("ANC1"), "MEDIUM"},
      {"VR_MAL_CONF_LE_TEST", "Confirmed malaria <= malaria tests", de("MAL_CONF"),
       "less_than_or_equal_to", de("MAL_TEST"), "HIGH"},
      {"VR_BIRTHS_LE_2DELIV", "Live births <= 2 x deliveries", de("LIVEBIRTH"),
       "less_than_or_equal_to", "2 * " + de("DELIV"), "LOW"},
  };
  for (size_t i = 0; i < rules.size(); ++i) {
    ValidationRule rule;
    static_cast<NamedObject&>(rule) = builder.Named(kRule, i, rules[i].code, rules[i].name);
    rule.left = rules[i].left;
    rule.op = rules[i].op;
    rule.right = rules[i].right;
    rule.importance = rules[i].importance;
    rule.period_type = PeriodType::kMonthly;
    country.validation_rules.push_back(std::move(rule));
  }
}

void BuildGroups(Country& country, Builder& builder) {
  static constexpr std::array<const char*, 5> kTypes = {"CHC", "CHP", "MCHP", "Hospital", "Clinic"};
  static constexpr std::array<const char*, 3> kOwners = {"Public facilities", "Private clinic",
                                                         "NGO"};
  OrgUnitGroupSet type_set;
  static_cast<NamedObject&>(type_set) =
      builder.Named(kGroupSet, 0, "FACILITY_TYPE", "Facility Type");
  OrgUnitGroupSet owner_set;
  static_cast<NamedObject&>(owner_set) =
      builder.Named(kGroupSet, 1, "FACILITY_OWNERSHIP", "Facility Ownership");
  for (size_t t = 0; t < kTypes.size(); ++t) {
    OrgUnitGroup group;
    static_cast<NamedObject&>(group) =
        builder.Named(kGroup, t, std::string("TYPE_") + kTypes[t], kTypes[t]);
    type_set.groups.push_back(static_cast<int>(country.org_unit_groups.size()));
    country.org_unit_groups.push_back(std::move(group));
  }
  for (size_t o = 0; o < kOwners.size(); ++o) {
    OrgUnitGroup group;
    static_cast<NamedObject&>(group) =
        builder.Named(kGroup, 10 + o, fmt::format("OWNER_{}", o + 1), kOwners[o]);
    owner_set.groups.push_back(static_cast<int>(country.org_unit_groups.size()));
    country.org_unit_groups.push_back(std::move(group));
  }
  for (int index : country.facilities) {
    const OrgUnit& unit = country.org_units[index];
    country.org_unit_groups[static_cast<size_t>(unit.facility_type)].members.push_back(index);
    country.org_unit_groups[kTypes.size() + static_cast<size_t>(unit.ownership)].members.push_back(
        index);
  }
  country.org_unit_group_sets.push_back(std::move(type_set));
  country.org_unit_group_sets.push_back(std::move(owner_set));
  static constexpr std::array<const char*, 5> kLevels = {"National", "Region", "District",
                                                         "Chiefdom", "Facility"};
  for (size_t l = 0; l < kLevels.size(); ++l) {
    country.org_unit_levels.push_back(builder.Named(kLevel, l, "", kLevels[l]));
  }
}

void BuildTracker(Country& country, Builder& builder, const ScaleShape& shape) {
  struct AttributeSpec {
    const char* code;
    const char* name;
    const char* value_type;
    bool confidential;
    bool unique;
  };
  static constexpr std::array<AttributeSpec, 6> kAttributes = {{
      {"FIRST_NAME", "First name", "TEXT", true, false},
      {"LAST_NAME", "Last name", "TEXT", true, false},
      {"PHONE", "Phone number", "PHONE_NUMBER", true, false},
      {"NATIONAL_ID", "National identifier", "TEXT", true, true},
      {"AGE", "Age in years", "INTEGER_POSITIVE", false, false},
      {"SEX", "Sex", "TEXT", false, false},
  }};
  for (size_t i = 0; i < kAttributes.size(); ++i) {
    TrackedEntityAttribute attribute;
    static_cast<NamedObject&>(attribute) =
        builder.Named(kAttribute, i, kAttributes[i].code, kAttributes[i].name);
    attribute.value_type = kAttributes[i].value_type;
    attribute.confidential = kAttributes[i].confidential;
    attribute.unique = kAttributes[i].unique;
    country.tracked_entity_attributes.push_back(std::move(attribute));
  }
  country.tracked_entity_type = builder.Named(kEntityType, 0, "PERSON", "Person");
  ProgramStage visit;
  static_cast<NamedObject&>(visit) = builder.Named(kStage, 0, "ANC_VISIT", "ANC visit");
  visit.repeatable = true;
  visit.data_elements = {ElementIndex("HB"), ElementIndex("WEIGHT")};
  ProgramStage delivery;
  static_cast<NamedObject&>(delivery) = builder.Named(kStage, 1, "DELIVERY", "Delivery");
  delivery.data_elements = {ElementIndex("DELIV_OUTCOME"), ElementIndex("WEIGHT")};
  country.program_stages = {visit, delivery};
  Program program;
  static_cast<NamedObject&>(program) =
      builder.Named(kProgram, 0, "ANC_PROGRAM", "Antenatal care programme");
  program.short_name = "ANC programme";
  program.stages = {0, 1};
  program.attributes = {0, 1, 2, 3, 4, 5};
  program.tracked_entity_type_uid = country.tracked_entity_type.uid;
  country.programs.push_back(std::move(program));
  country.tracked_entity_count = shape.tracked_entities;
}

// The programme's indicators: every analytics type, boundary type, aggregation type and d2:
// function, so that demos and tests exercise them (docs/program_indicators.md).
void BuildProgramIndicators(Country& country, Builder& builder) {
  const std::string visit = country.program_stages[0].uid;
  const std::string delivery = country.program_stages[1].uid;
  auto item = [&](const std::string& stage, std::string_view code) {
    return "#{" + stage + "." + country.data_elements[static_cast<size_t>(ElementIndex(code))].uid +
           "}";
  };
  const std::string hb = item(visit, "HB");
  const std::string weight = item(visit, "WEIGHT");
  const std::string outcome = item(delivery, "DELIV_OUTCOME");
  const std::string age = "A{" + country.tracked_entity_attributes[4].uid + "}";
  const std::string preg_share = "C{" + country.constants[0].uid + "}";

  RelationshipType companion;
  static_cast<NamedObject&>(companion) =
      builder.Named(kRelationshipType, 0, "ANC_COMPANION", "ANC companion");
  companion.bidirectional = true;
  country.relationship_types.push_back(companion);

  using Boundaries = std::vector<PeriodBoundary>;
  auto within = [](const std::string& target) {
    return Boundaries{{target, "AFTER_START_OF_REPORTING_PERIOD", 0, ""},
                      {target, "BEFORE_END_OF_REPORTING_PERIOD", 0, ""}};
  };
  const Boundaries events = within("EVENT_DATE");
  const Boundaries enrolled = within("ENROLLMENT_DATE");
  const Boundaries delivered = within("PS_EVENTDATE:" + delivery);
  struct Spec {
    const char* code;
    const char* name;
    const char* analytics_type;
    std::string expression, filter;
    const char* aggregation_type;
    Boundaries boundaries;
    const char* org_unit_field = "";
  };
  const std::vector<Spec> specs = {
      {"ANC_PI_VISITS", "ANC visits", "EVENT", "V{event_count}", "", "COUNT", events},
      {"ANC_PI_HB_MEAN", "Mean haemoglobin at visits", "EVENT", hb, "d2:hasValue(" + hb + ")",
       "AVERAGE", events},
      {"ANC_PI_ANAEMIC", "Visits with haemoglobin under 11", "EVENT", "V{event_count}",
       hb + " < 11", "COUNT", events},
      {"ANC_PI_WOMEN_SEEN", "Women seen (distinct)", "EVENT", "V{tei_count}", "", "COUNT", events},
      {"ANC_PI_COMPLETED_VISITS", "Completed ANC visits", "EVENT", "V{event_count}",
       "V{event_status} == 'COMPLETED' && V{program_stage_name} == 'ANC visit'", "COUNT", events},
      {"ANC_PI_HEAVY", "Visits with weight over 80 kg (by scheduled date)", "EVENT",
       "d2:condition('" + weight + " > 80', 1, 0)", "", "SUM", within("SCHEDULED_DATE")},
      {"ANC_PI_HB_OIZP", "Visits with haemoglobin of 11 or more", "EVENT",
       "d2:oizp(" + hb + " - 11)", "", "SUM", events},
      {"ANC_PI_HB_ZING", "Haemoglobin above 11, summed", "EVENT", "d2:zing(" + hb + " - 11)", "",
       "SUM", events},
      {"ANC_PI_ZPVC", "Zero or positive measurements", "EVENT",
       "d2:zpvc(" + hb + ", " + weight + ")", "", "SUM", events},
      {"ANC_PI_VALUE_COUNT", "Values recorded at visits", "EVENT", "V{value_count}", "", "SUM",
       events},
      {"ANC_PI_WEIGHT_SD", "Spread of weight at visits", "EVENT", weight, "", "STDDEV", events},
      {"ANC_PI_ENTRY_DELAY", "Minutes from visit to entry", "EVENT",
       "d2:minutesBetween(V{event_date}, V{creation_date})", "", "AVERAGE", events},
      {"ANC_PI_VISITS_BY_ENROLLING_UNIT", "ANC visits by enrolling unit", "EVENT", "V{event_count}",
       "", "COUNT", events, "ENROLLMENT"},
      {"ANC_PI_PREGNANT_SHARE", "Haemoglobin weighted by pregnant share", "EVENT",
       hb + " * " + preg_share, "", "SUM", events},
      {"ANC_PI_ENROLLED", "Women enrolled", "ENROLLMENT", "V{enrollment_count}", "", "COUNT",
       enrolled},
      {"ANC_PI_TEEN", "Teenage enrolments", "ENROLLMENT", "V{enrollment_count}", age + " < 20",
       "COUNT", enrolled},
      {"ANC_PI_DAYS_TO_DELIVERY", "Days from enrolment to delivery", "ENROLLMENT",
       "d2:daysBetween(V{enrollment_date}, PS_EVENTDATE:" + delivery + ")",
       "d2:hasValue(" + outcome + ")", "AVERAGE", delivered},
      {"ANC_PI_LIVE_BIRTHS", "Live births", "ENROLLMENT",
       "d2:countIfValue(" + outcome + ", 'Live birth')", "", "SUM", delivered},
      {"ANC_PI_VISITS_PER_WOMAN", "Visits per woman enrolled (two months' lead)", "ENROLLMENT",
       "d2:count(" + weight + ")", "", "AVERAGE",
       Boundaries{{"ENROLLMENT_DATE", "AFTER_START_OF_REPORTING_PERIOD", -2, "Monthly"},
                  {"ENROLLMENT_DATE", "BEFORE_END_OF_REPORTING_PERIOD", 0, ""}}},
      {"ANC_PI_LOW_HB_READINGS", "Low haemoglobin readings per woman", "ENROLLMENT",
       "d2:countIfCondition(" + hb + ", '< 11')", "", "SUM", enrolled},
      {"ANC_PI_MAX_WEIGHT", "Highest latest weight", "ENROLLMENT", "d2:maxValue(" + weight + ")",
       "", "MAX", enrolled},
      {"ANC_PI_MIN_HB", "Lowest latest haemoglobin", "ENROLLMENT", "d2:minValue(" + hb + ")", "",
       "MIN", enrolled},
      {"ANC_PI_LATEST_WEIGHT", "Latest weight, averaged over women", "ENROLLMENT", weight, "",
       "AVERAGE", enrolled},
      {"ANC_PI_COMPANIONS", "Companions of women enrolled", "ENROLLMENT",
       "d2:relationshipCount('" + companion.uid + "')", "", "SUM", enrolled},
      {"ANC_PI_WEEKS_IN_CARE", "Weeks from incident to period end", "ENROLLMENT",
       "d2:weeksBetween(V{incident_date}, V{analytics_period_end})", "", "AVERAGE",
       within("INCIDENT_DATE")},
      {"ANC_PI_MONTHS_IN_CARE", "Months from enrolment to period end", "ENROLLMENT",
       "d2:monthsBetween(V{enrollment_date}, V{analytics_period_end})", "", "AVERAGE", enrolled},
      {"ANC_PI_YEARS_IN_CARE", "Years from enrolment to period end", "ENROLLMENT",
       "d2:yearsBetween(V{enrollment_date}, V{analytics_period_end})", "", "AVERAGE", enrolled},
      {"ANC_PI_ACTIVE_CARRIED_OVER", "Active enrolments from before the period", "ENROLLMENT",
       "V{enrollment_count}", "V{enrollment_status} == 'ACTIVE'", "COUNT",
       Boundaries{{"ENROLLMENT_DATE", "BEFORE_START_OF_REPORTING_PERIOD", 0, ""}}},
      {"ANC_PI_DELIVER_LATER", "Women enrolled who deliver after the period", "ENROLLMENT",
       "V{enrollment_count}", "", "COUNT",
       Boundaries{{"ENROLLMENT_DATE", "BEFORE_END_OF_REPORTING_PERIOD", 0, ""},
                  {"PS_EVENTDATE:" + delivery, "AFTER_END_OF_REPORTING_PERIOD", 0, ""}}},
  };
  for (size_t i = 0; i < specs.size(); ++i) {
    const Spec& spec = specs[i];
    ProgramIndicator indicator;
    static_cast<NamedObject&>(indicator) =
        builder.Named(kProgramIndicator, i, spec.code, spec.name);
    indicator.analytics_type = spec.analytics_type;
    indicator.expression = spec.expression;
    indicator.filter = spec.filter;
    indicator.aggregation_type = spec.aggregation_type;
    indicator.boundaries = spec.boundaries;
    indicator.org_unit_field = spec.org_unit_field;
    country.program_indicators.push_back(std::move(indicator));
  }
}

}  // namespace

int64_t DateToMillis(Date date) {
  return static_cast<int64_t>(date.time_since_epoch().count()) * kDayMs;
}

namespace {
std::string FormatMillis(int64_t epoch_ms, const char* suffix) {
  int64_t seconds = epoch_ms / 1000;
  int millis = static_cast<int>(epoch_ms % 1000);
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}{}", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis, suffix);
}
}  // namespace

std::string FormatLocalMillis(int64_t epoch_ms) { return FormatMillis(epoch_ms, ""); }
std::string FormatZonedMillis(int64_t epoch_ms) { return FormatMillis(epoch_ms, "+0000"); }

namespace {
// Two predictors of the kind national HMIS configure (DHIS2's Predictor), both at district level
// over the districts' facilities: the expected OPD consultations (the average of the three previous
// months) and a malaria epidemic threshold (mean + 2 standard deviations of the same month and the
// months either side of it in the two previous years). Their outputs are data elements of no data
// set, so the simulator stores no value for them.
void BuildPredictors(Country& country, Builder& builder) {
  auto element = [&](std::string_view code) { return ElementIndex(code); };
  auto de = [&](std::string_view code) {
    return "#{" + country.data_elements[static_cast<size_t>(element(code))].uid + "}";
  };
  struct Spec {
    std::string code, name, output, expression;
    int sequential, annual, skip;
  };
  std::vector<Spec> specs = {
      {"PRED_OPD_EXPECTED", "OPD consultations expected", "OPD_EXPECTED", "avg(" + de("OPD") + ")",
       3, 0, 0},
      {"PRED_MAL_THRESHOLD", "Malaria epidemic threshold", "MAL_THRESHOLD",
       "avg(" + de("MAL_CONF") + ") + 2 * stddevSamp(" + de("MAL_CONF") + ")", 1, 2, 0},
  };
  for (size_t i = 0; i < specs.size(); ++i) {
    Predictor predictor;
    static_cast<NamedObject&>(predictor) =
        builder.Named(kPredictor, i, specs[i].code, specs[i].name);
    predictor.short_name = specs[i].name;
    predictor.output = element(specs[i].output);
    predictor.output_combo = 0;
    predictor.period_type = PeriodType::kMonthly;
    predictor.expression = specs[i].expression;
    predictor.missing_value_strategy = "SKIP_IF_ALL_VALUES_MISSING";
    predictor.sequential_sample_count = specs[i].sequential;
    predictor.annual_sample_count = specs[i].annual;
    predictor.sequential_skip_count = specs[i].skip;
    predictor.levels = {3};
    country.predictors.push_back(std::move(predictor));
  }
}
}  // namespace

Country Country::Generate(Scale scale, uint64_t seed, Date today) {
  Country country;
  country.seed = seed;
  country.scale = scale;
  country.today = today;
  auto ymd = std::chrono::year_month_day(today);
  country.first_day =
      std::chrono::sys_days((ymd.year() - std::chrono::years(3)) / std::chrono::January / 1);
  country.as_of_ms = DateToMillis(today);
  Builder builder(country, seed);
  ScaleShape shape = ShapeOf(scale);
  BuildOrgUnits(country, builder, shape);
  BuildCategories(country, builder);
  BuildData(country, builder);
  BuildGroups(country, builder);
  BuildTracker(country, builder, shape);
  BuildProgramIndicators(country, builder);
  BuildPredictors(country, builder);
  return country;
}

namespace {
template <typename T>
int FindByUid(const std::vector<T>& items, std::string_view uid) {
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].uid == uid) {
      return static_cast<int>(i);
    }
  }
  return -1;
}
}  // namespace

int Country::FindOrgUnit(std::string_view uid) const { return FindByUid(org_units, uid); }
int Country::FindDataElement(std::string_view uid) const { return FindByUid(data_elements, uid); }
int Country::FindDataSet(std::string_view uid) const { return FindByUid(data_sets, uid); }
int Country::FindCategoryOptionCombo(std::string_view uid) const {
  return FindByUid(category_option_combos, uid);
}

Country::MinMax Country::MinMaxRange(int org_unit, int data_element, int option_combo) const {
  const DataElement& de = data_elements[static_cast<size_t>(data_element)];
  double mean = de.base * org_units[static_cast<size_t>(org_unit)].size *
                category_option_combos[static_cast<size_t>(option_combo)].share;
  return {static_cast<int64_t>(std::floor(mean * 0.3)),
          static_cast<int64_t>(std::ceil(mean * 2.5 + 5))};
}

bool Country::IsOpen(const OrgUnit& unit, const dhis2::Period& period) const {
  if (unit.opening > period.start()) {
    return false;
  }
  return !unit.closed || *unit.closed > period.end();
}

}  // namespace dhl::sim
