#include "sim/postgres_country_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "dhis2/period.h"
#include "sim/country.h"
#include "sim/data_value_store.h"
#include "sim/tracker_store.h"
#include "source/dhis2_encryption.h"
#include "source/postgres_connection.h"

namespace dhl::sim {
namespace {

using source::PostgresConnection;

// The tables the writer fills, emptied before writing again (tracker tables are left alone).
const char* const kFilledTables[] = {"periodtype",
                                     "period",
                                     "organisationunit",
                                     "orgunitlevel",
                                     "orgunitgroup",
                                     "orgunitgroupmembers",
                                     "orgunitgroupset",
                                     "orgunitgroupsetmembers",
                                     "categoryoption",
                                     "category",
                                     "categories_categoryoptions",
                                     "categorycombo",
                                     "categorycombos_categories",
                                     "categorycombos_optioncombos",
                                     "categoryoptioncombo",
                                     "categoryoptioncombos_categoryoptions",
                                     "dataelement",
                                     "dataelementgroup",
                                     "dataelementgroupmembers",
                                     "dataset",
                                     "datasetelement",
                                     "datasetsource",
                                     "indicatortype",
                                     "indicator",
                                     "constant",
                                     "expression",
                                     "validationrule",
                                     "predictor",
                                     "predictororgunitlevels",
                                     "datavalue",
                                     "completedatasetregistration",
                                     "minmaxdataelement",
                                     "trackedentitytype",
                                     "trackedentityattribute",
                                     "program",
                                     "programstage",
                                     "programindicator",
                                     "periodboundary",
                                     "relationshiptype",
                                     "relationship",
                                     "relationshipitem",
                                     "trackedentity",
                                     "trackedentityattributevalue",
                                     "enrollment",
                                     "event"};

constexpr size_t kCopyFlushBytes = 1 << 20;

// One field of COPY's text format: backslash escapes, \N for NULL.
void AppendField(std::string* line, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        *line += "\\\\";
        break;
      case '\t':
        *line += "\\t";
        break;
      case '\n':
        *line += "\\n";
        break;
      case '\r':
        *line += "\\r";
        break;
      default:
        *line += c;
    }
  }
}

// Builds COPY text rows: Add fields, then End the row.
class RowBuilder {
 public:
  explicit RowBuilder(std::string* out) : out_(out) {}
  RowBuilder& Text(std::string_view value) {
    Separator();
    AppendField(out_, value);
    return *this;
  }
  RowBuilder& OptionalText(std::string_view value) { return value.empty() ? Null() : Text(value); }
  RowBuilder& Int(int64_t value) { return Text(std::to_string(value)); }
  RowBuilder& Bool(bool value) { return Text(value ? "t" : "f"); }
  RowBuilder& Double(double value) { return Text(fmt::format("{}", value)); }
  RowBuilder& Null() {
    Separator();
    *out_ += "\\N";
    return *this;
  }
  // A timestamp without a zone: the simulated server's local time (UTC).
  RowBuilder& Time(int64_t epoch_ms) {
    std::string text = FormatLocalMillis(epoch_ms);
    text[10] = ' ';
    return Text(text);
  }
  void End() {
    *out_ += '\n';
    first_ = true;
  }

 private:
  void Separator() {
    if (!first_) {
      *out_ += '\t';
    }
    first_ = false;
  }
  std::string* out_;
  bool first_ = true;
};

// COPYs the rows `fill` builds (all at once: metadata is small).
Status CopyRows(PostgresConnection& connection, const std::string& target,
                const std::function<void(std::string*)>& fill) {
  std::string rows;
  fill(&rows);
  bool sent = false;
  return connection.CopyIn("COPY " + target + " FROM STDIN",
                           [&](std::string* buffer) -> Result<bool> {
                             if (!sent) {
                               buffer->swap(rows);
                               sent = true;
                             }
                             return false;
                           });
}

template <typename T>
void IdentifiableColumns(RowBuilder& row, size_t index, const T& object) {
  row.Int(static_cast<int64_t>(index) + 1)
      .Text(object.uid)
      .OptionalText(object.code)
      .Time(object.created_ms)
      .Time(object.updated_ms)
      .Text(object.name);
}

constexpr const char* kIdentifiableColumns = "uid, code, created, lastupdated, name";

std::string Geometry(const OrgUnit& unit) {
  if (unit.level == 5) {
    return fmt::format("SRID=4326;POINT({} {})", Round4(unit.box.west), Round4(unit.box.south));
  }
  double w = Round4(unit.box.west), s = Round4(unit.box.south), e = Round4(unit.box.east),
         n = Round4(unit.box.north);
  return fmt::format("SRID=4326;POLYGON(({0} {1},{2} {1},{2} {3},{0} {3},{0} {1}))", w, s, e, n);
}

// Period ids by (type, start), and the rows of periodtype and period.
struct PeriodTable {
  std::map<dhis2::PeriodType, int> type_ids;
  std::map<dhis2::Period, int64_t> ids;

  int TypeId(dhis2::PeriodType type) {
    auto [it, added] = type_ids.emplace(type, static_cast<int>(type_ids.size()) + 1);
    return it->second;
  }
  int64_t Id(const dhis2::Period& period) {
    TypeId(period.type());
    auto [it, added] = ids.emplace(period, static_cast<int64_t>(ids.size()) + 1);
    return it->second;
  }
};

Status WriteMetadata(PostgresConnection& connection, const Country& c, PeriodTable& periods) {
  for (const DataSet& ds : c.data_sets) {
    periods.TypeId(ds.period_type);
    for (const dhis2::Period& period : ds.periods) {
      periods.Id(period);
    }
  }
  for (const ValidationRule& rule : c.validation_rules) {
    periods.TypeId(rule.period_type);
  }
  for (const Predictor& predictor : c.predictors) {
    periods.TypeId(predictor.period_type);
  }
  for (const ProgramIndicator& indicator : c.program_indicators) {
    for (const PeriodBoundary& boundary : indicator.boundaries) {
      if (boundary.offset_period_type.empty()) continue;
      DHL_ASSIGN_OR_RETURN(dhis2::PeriodType type,
                           dhis2::ParsePeriodType(boundary.offset_period_type));
      periods.TypeId(type);
    }
  }
  // Program indicators of the first programme (as /api/programIndicators serves them) and their
  // analytics period boundaries.
  DHL_RETURN_IF_ERROR(CopyRows(
      connection,
      fmt::format("programindicator (programindicatorid, {}, shortname, programid, expression, "
                  "filter, aggregationtype, decimals, analyticstype, orgunitfield, "
                  "categorycomboid, attributecomboid)",
                  kIdentifiableColumns),
      [&](std::string* out) {
        RowBuilder row(out);
        for (size_t i = 0; i < c.program_indicators.size(); ++i) {
          const ProgramIndicator& indicator = c.program_indicators[i];
          IdentifiableColumns(row, i, indicator);
          row.Text(indicator.name).Int(1).Text(indicator.expression);
          row.OptionalText(indicator.filter)
              .Text(indicator.aggregation_type)
              .Int(indicator.decimals)
              .Text(indicator.analytics_type)
              .OptionalText(indicator.org_unit_field)
              .Int(1)
              .Int(1);
          row.End();
        }
      }));
  DHL_RETURN_IF_ERROR(CopyRows(
      connection,
      "periodboundary (periodboundaryid, uid, created, lastupdated, boundarytarget, "
      "analyticsperiodboundarytype, offsetperiods, offsetperiodtypeid, programindicatorid)",
      [&](std::string* out) {
        RowBuilder row(out);
        int64_t id = 0;
        for (size_t i = 0; i < c.program_indicators.size(); ++i) {
          const ProgramIndicator& indicator = c.program_indicators[i];
          for (const PeriodBoundary& boundary : indicator.boundaries) {
            ++id;
            row.Int(id)
                .Text(fmt::format("PB{:09d}", id))
                .Time(indicator.created_ms)
                .Time(indicator.updated_ms)
                .Text(boundary.target)
                .Text(boundary.type);
            if (boundary.offset_period_type.empty()) {
              row.Null().Null();
            } else {
              row.Int(boundary.offset_periods)
                  .Int(periods.type_ids.at(*dhis2::ParsePeriodType(boundary.offset_period_type)));
            }
            row.Int(static_cast<int64_t>(i) + 1);
            row.End();
          }
        }
      }));
  DHL_RETURN_IF_ERROR(CopyRows(connection,
                               "organisationunit (organisationunitid, uid, code, "
                               "created, lastupdated, name, shortname, parentid, "
                               "path, hierarchylevel, openingdate, closeddate, "
                               "geometry)",
                               [&](std::string* out) {
                                 RowBuilder row(out);
                                 for (size_t i = 0; i < c.org_units.size(); ++i) {
                                   const OrgUnit& unit = c.org_units[i];
                                   IdentifiableColumns(row, i, unit);
                                   row.Text(unit.short_name);
                                   if (unit.parent >= 0) {
                                     row.Int(unit.parent + 1);
                                   } else {
                                     row.Null();
                                   }
                                   row.Text(unit.path).Int(unit.level);
                                   row.Text(dhis2::FormatDate(unit.opening));
                                   if (unit.closed) {
                                     row.Text(dhis2::FormatDate(*unit.closed));
                                   } else {
                                     row.Null();
                                   }
                                   row.Text(Geometry(unit));
                                   row.End();
                                 }
                               }));
  DHL_RETURN_IF_ERROR(CopyRows(
      connection, fmt::format("orgunitlevel (orgunitlevelid, {}, level)", kIdentifiableColumns),
      [&](std::string* out) {
        RowBuilder row(out);
        for (size_t i = 0; i < c.org_unit_levels.size(); ++i) {
          IdentifiableColumns(row, i, c.org_unit_levels[i]);
          row.Int(static_cast<int64_t>(i) + 1);
          row.End();
        }
      }));
  DHL_RETURN_IF_ERROR(CopyRows(
      connection, fmt::format("orgunitgroup (orgunitgroupid, {}, shortname)", kIdentifiableColumns),
      [&](std::string* out) {
        RowBuilder row(out);
        for (size_t i = 0; i < c.org_unit_groups.size(); ++i) {
          IdentifiableColumns(row, i, c.org_unit_groups[i]);
          row.Text(c.org_unit_groups[i].name);
          row.End();
        }
      }));
  DHL_RETURN_IF_ERROR(CopyRows(connection,
                               "orgunitgroupmembers (organisationunitid, orgunitgroupid)",
                               [&](std::string* out) {
                                 RowBuilder row(out);
                                 for (size_t g = 0; g < c.org_unit_groups.size(); ++g) {
                                   for (int member : c.org_unit_groups[g].members) {
                                     row.Int(member + 1).Int(static_cast<int64_t>(g) + 1);
                                     row.End();
                                   }
                                 }
                               }));
  DHL_RETURN_IF_ERROR(CopyRows(
      connection,
      fmt::format("orgunitgroupset (orgunitgroupsetid, {}, shortname, compulsory, datadimension)",
                  kIdentifiableColumns),
      [&](std::string* out) {
        RowBuilder row(out);
        for (size_t i = 0; i < c.org_unit_group_sets.size(); ++i) {
          IdentifiableColumns(row, i, c.org_unit_group_sets[i]);
          row.Text(c.org_unit_group_sets[i].name).Bool(true).Bool(true);
          row.End();
        }
      }));
  DHL_RETURN_IF_ERROR(CopyRows(connection,
                               "orgunitgroupsetmembers (orgunitgroupsetid, orgunitgroupid)",
                               [&](std::string* out) {
                                 RowBuilder row(out);
                                 for (size_t s = 0; s < c.org_unit_group_sets.size(); ++s) {
                                   for (int g : c.org_unit_group_sets[s].groups) {
                                     row.Int(static_cast<int64_t>(s) + 1).Int(g + 1);
                                     row.End();
                                   }
                                 }
                               }));
  DHL_RETURN_IF_ERROR(CopyRows(
      connection,
      fmt::format("categoryoption (categoryoptionid, {}, shortname)", kIdentifiableColumns),
      [&](std::string* out) {
        RowBuilder row(out);
        for (size_t i = 0; i < c.category_options.size(); ++i) {
          IdentifiableColumns(row, i, c.category_options[i]);
          row.Text(c.category_options[i].name);
          row.End();
        }
      }));
  DHL_RETURN_IF_ERROR(
      CopyRows(connection,
               fmt::format("category (categoryid, {}, shortname, datadimensiontype, datadimension)",
                           kIdentifiableColumns),
               [&](std::string* out) {
                 RowBuilder row(out);
                 for (size_t i = 0; i < c.categories.size(); ++i) {
                   IdentifiableColumns(row, i, c.categories[i]);
                   row.Text(c.categories[i].name)
                       .Text(c.categories[i].attribute ? "ATTRIBUTE" : "DISAGGREGATION")
                       .Bool(i != 0);
                   row.End();
                 }
               }));
  DHL_RETURN_IF_ERROR(
      CopyRows(connection, "categories_categoryoptions (categoryid, sort_order, categoryoptionid)",
               [&](std::string* out) {
                 RowBuilder row(out);
                 for (size_t k = 0; k < c.categories.size(); ++k) {
                   int order = 0;
                   for (int option : c.categories[k].options) {
                     row.Int(static_cast<int64_t>(k) + 1).Int(++order).Int(option + 1);
                     row.End();
                   }
                 }
               }));
  DHL_RETURN_IF_ERROR(CopyRows(
      connection,
      fmt::format("categorycombo (categorycomboid, {}, datadimensiontype, skiptotal)",
                  kIdentifiableColumns),
      [&](std::string* out) {
        RowBuilder row(out);
        for (size_t i = 0; i < c.category_combos.size(); ++i) {
          IdentifiableColumns(row, i, c.category_combos[i]);
          row.Text(c.category_combos[i].attribute ? "ATTRIBUTE" : "DISAGGREGATION").Bool(false);
          row.End();
        }
      }));
  DHL_RETURN_IF_ERROR(
      CopyRows(connection, "categorycombos_categories (categoryid, sort_order, categorycomboid)",
               [&](std::string* out) {
                 RowBuilder row(out);
                 for (size_t k = 0; k < c.category_combos.size(); ++k) {
                   int order = 0;
                   for (int category : c.category_combos[k].categories) {
                     row.Int(category + 1).Int(++order).Int(static_cast<int64_t>(k) + 1);
                     row.End();
                   }
                 }
               }));
  DHL_RETURN_IF_ERROR(
      CopyRows(connection, "categorycombos_optioncombos (categoryoptioncomboid, categorycomboid)",
               [&](std::string* out) {
                 RowBuilder row(out);
                 for (size_t k = 0; k < c.category_combos.size(); ++k) {
                   for (int coc : c.category_combos[k].option_combos) {
                     row.Int(coc + 1).Int(static_cast<int64_t>(k) + 1);
                     row.End();
                   }
                 }
               }));
  DHL_RETURN_IF_ERROR(
      CopyRows(connection,
               fmt::format("categoryoptioncombo (categoryoptioncomboid, {}, ignoreapproval)",
                           kIdentifiableColumns),
               [&](std::string* out) {
                 RowBuilder row(out);
                 for (size_t i = 0; i < c.category_option_combos.size(); ++i) {
                   IdentifiableColumns(row, i, c.category_option_combos[i]);
                   row.Bool(false);
                   row.End();
                 }
               }));
  DHL_RETURN_IF_ERROR(CopyRows(
      connection, "categoryoptioncombos_categoryoptions (categoryoptioncomboid, categoryoptionid)",
      [&](std::string* out) {
        RowBuilder row(out);
        for (size_t k = 0; k < c.category_option_combos.size(); ++k) {
          for (int option : c.category_option_combos[k].options) {
            row.Int(static_cast<int64_t>(k) + 1).Int(option + 1);
            row.End();
          }
        }
      }));
  DHL_RETURN_IF_ERROR(CopyRows(
      connection,
      fmt::format("dataelement (dataelementid, {}, shortname, formname, valuetype, domaintype, "
                  "aggregationtype, categorycomboid, zeroissignificant)",
                  kIdentifiableColumns),
      [&](std::string* out) {
        RowBuilder row(out);
        for (size_t i = 0; i < c.data_elements.size(); ++i) {
          const DataElement& de = c.data_elements[i];
          IdentifiableColumns(row, i, de);
          row.Text(de.short_name)
              .Text(de.name)
              .Text(de.value_type)
              .Text(de.domain_type)
              .Text(de.aggregation_type)
              .Int(de.combo + 1)
              .Bool(de.zero_is_significant);
          row.End();
        }
      }));
  DHL_RETURN_IF_ERROR(CopyRows(
      connection,
      fmt::format("dataelementgroup (dataelementgroupid, {}, shortname)", kIdentifiableColumns),
      [&](std::string* out) {
        RowBuilder row(out);
        for (size_t i = 0; i < c.data_element_groups.size(); ++i) {
          IdentifiableColumns(row, i, c.data_element_groups[i]);
          row.Text(c.data_element_groups[i].name);
          row.End();
        }
      }));
  DHL_RETURN_IF_ERROR(CopyRows(connection,
                               "dataelementgroupmembers (dataelementid, dataelementgroupid)",
                               [&](std::string* out) {
                                 RowBuilder row(out);
                                 for (size_t g = 0; g < c.data_element_group_members.size(); ++g) {
                                   for (int e : c.data_element_group_members[g]) {
                                     row.Int(e + 1).Int(static_cast<int64_t>(g) + 1);
                                     row.End();
                                   }
                                 }
                               }));
  DHL_RETURN_IF_ERROR(CopyRows(
      connection,
      fmt::format("dataset (datasetid, {}, shortname, periodtypeid, categorycomboid, mobile, "
                  "timelydays, expirydays, openfutureperiods)",
                  kIdentifiableColumns),
      [&](std::string* out) {
        RowBuilder row(out);
        for (size_t i = 0; i < c.data_sets.size(); ++i) {
          const DataSet& ds = c.data_sets[i];
          IdentifiableColumns(row, i, ds);
          row.Text(ds.short_name)
              .Int(periods.TypeId(ds.period_type))
              .Int(ds.attribute_combo + 1)
              .Bool(false)
              .Int(ds.timely_days)
              .Int(0)
              .Int(0);
          row.End();
        }
      }));
  DHL_RETURN_IF_ERROR(CopyRows(connection,
                               "datasetelement (datasetelementid, datasetid, dataelementid)",
                               [&](std::string* out) {
                                 RowBuilder row(out);
                                 int64_t id = 0;
                                 for (size_t s = 0; s < c.data_sets.size(); ++s) {
                                   for (int e : c.data_sets[s].elements) {
                                     row.Int(++id).Int(static_cast<int64_t>(s) + 1).Int(e + 1);
                                     row.End();
                                   }
                                 }
                               }));
  DHL_RETURN_IF_ERROR(
      CopyRows(connection, "datasetsource (sourceid, datasetid)", [&](std::string* out) {
        RowBuilder row(out);
        for (size_t s = 0; s < c.data_sets.size(); ++s) {
          for (int ou : c.data_sets[s].org_units) {
            row.Int(ou + 1).Int(static_cast<int64_t>(s) + 1);
            row.End();
          }
        }
      }));
  DHL_RETURN_IF_ERROR(
      CopyRows(connection,
               fmt::format("indicatortype (indicatortypeid, {}, indicatorfactor, indicatornumber)",
                           kIdentifiableColumns),
               [&](std::string* out) {
                 RowBuilder row(out);
                 for (size_t i = 0; i < c.indicator_types.size(); ++i) {
                   IdentifiableColumns(row, i, c.indicator_types[i]);
                   row.Int(c.indicator_types[i].factor).Bool(c.indicator_types[i].number);
                   row.End();
                 }
               }));
  DHL_RETURN_IF_ERROR(CopyRows(
      connection,
      fmt::format("indicator (indicatorid, {}, shortname, annualized, decimals, indicatortypeid, "
                  "numerator, numeratordescription, denominator, denominatordescription)",
                  kIdentifiableColumns),
      [&](std::string* out) {
        RowBuilder row(out);
        for (size_t i = 0; i < c.indicators.size(); ++i) {
          const Indicator& ind = c.indicators[i];
          IdentifiableColumns(row, i, ind);
          row.Text(ind.short_name)
              .Bool(ind.annualized)
              .Int(ind.decimals)
              .Int(ind.indicator_type + 1)
              .Text(ind.numerator)
              .Text(ind.numerator_description)
              .Text(ind.denominator)
              .Text(ind.denominator_description);
          row.End();
        }
      }));
  DHL_RETURN_IF_ERROR(CopyRows(
      connection, fmt::format("constant (constantid, {}, shortname, value)", kIdentifiableColumns),
      [&](std::string* out) {
        RowBuilder row(out);
        for (size_t i = 0; i < c.constants.size(); ++i) {
          IdentifiableColumns(row, i, c.constants[i]);
          row.Text(c.constants[i].name).Double(c.constants[i].value);
          row.End();
        }
      }));
  DHL_RETURN_IF_ERROR(CopyRows(connection,
                               "expression (expressionid, expression, missingvaluestrategy)",
                               [&](std::string* out) {
                                 RowBuilder row(out);
                                 int64_t id = 0;
                                 for (const ValidationRule& rule : c.validation_rules) {
                                   for (const std::string* side : {&rule.left, &rule.right}) {
                                     row.Int(++id).Text(*side).Text("SKIP_IF_ALL_VALUES_MISSING");
                                     row.End();
                                   }
                                 }
                               }));
  DHL_RETURN_IF_ERROR(CopyRows(
      connection,
      fmt::format("validationrule (validationruleid, {}, importance, operator, leftexpressionid, "
                  "rightexpressionid, periodtypeid)",
                  kIdentifiableColumns),
      [&](std::string* out) {
        RowBuilder row(out);
        for (size_t i = 0; i < c.validation_rules.size(); ++i) {
          const ValidationRule& rule = c.validation_rules[i];
          IdentifiableColumns(row, i, rule);
          row.Text(rule.importance)
              .Text(rule.op)
              .Int(static_cast<int64_t>(i) * 2 + 1)
              .Int(static_cast<int64_t>(i) * 2 + 2)
              .Int(periods.TypeId(rule.period_type));
          row.End();
        }
      }));
  // Predictors: the generator and skip test expressions numbered after the validation rules'.
  const int64_t first_predictor_expression =
      static_cast<int64_t>(c.validation_rules.size()) * 2 + 1;
  std::vector<std::pair<int64_t, int64_t>> predictor_expressions;  // generator, skip test (0: none)
  DHL_RETURN_IF_ERROR(CopyRows(
      connection, "expression (expressionid, expression, description, missingvaluestrategy)",
      [&](std::string* out) {
        RowBuilder row(out);
        int64_t id = first_predictor_expression;
        for (const Predictor& predictor : c.predictors) {
          int64_t generator = id++;
          row.Int(generator)
              .Text(predictor.expression)
              .Text(predictor.name)
              .Text(predictor.missing_value_strategy);
          row.End();
          int64_t skip = 0;
          if (!predictor.skip_test.empty()) {
            skip = id++;
            row.Int(skip).Text(predictor.skip_test).Null().Text("SKIP_IF_ALL_VALUES_MISSING");
            row.End();
          }
          predictor_expressions.emplace_back(generator, skip);
        }
      }));
  DHL_RETURN_IF_ERROR(CopyRows(
      connection,
      fmt::format("predictor (predictorid, {}, shortname, generatorexpressionid, generatoroutput, "
                  "generatoroutputcombo, skiptestexpressionid, periodtypeid, "
                  "sequentialsamplecount, annualsamplecount, sequentialskipcount, "
                  "organisationunitdescendants)",
                  kIdentifiableColumns),
      [&](std::string* out) {
        RowBuilder row(out);
        for (size_t i = 0; i < c.predictors.size(); ++i) {
          const Predictor& predictor = c.predictors[i];
          IdentifiableColumns(row, i, predictor);
          row.Text(predictor.short_name)
              .Int(predictor_expressions[i].first)
              .Int(predictor.output + 1)
              .Int(predictor.output_combo + 1);
          if (predictor_expressions[i].second == 0) {
            row.Null();
          } else {
            row.Int(predictor_expressions[i].second);
          }
          row.Int(periods.TypeId(predictor.period_type))
              .Int(predictor.sequential_sample_count)
              .Int(predictor.annual_sample_count)
              .Int(predictor.sequential_skip_count)
              .Text(predictor.descendants);
          row.End();
        }
      }));
  DHL_RETURN_IF_ERROR(CopyRows(
      connection, "predictororgunitlevels (predictorid, orgunitlevelid)", [&](std::string* out) {
        RowBuilder row(out);
        for (size_t i = 0; i < c.predictors.size(); ++i) {
          for (int level : c.predictors[i].levels) {
            row.Int(static_cast<int64_t>(i) + 1).Int(level);  // orgunitlevelid = level
            row.End();
          }
        }
      }));
  DHL_RETURN_IF_ERROR(
      CopyRows(connection, "periodtype (periodtypeid, name)", [&](std::string* out) {
        RowBuilder row(out);
        for (const auto& [type, id] : periods.type_ids) {
          row.Int(id).Text(dhis2::PeriodTypeName(type));
          row.End();
        }
      }));
  return CopyRows(connection, "period (periodid, periodtypeid, startdate, enddate)",
                  [&](std::string* out) {
                    RowBuilder row(out);
                    for (const auto& [period, id] : periods.ids) {
                      row.Int(id)
                          .Int(periods.type_ids.at(period.type()))
                          .Text(dhis2::FormatDate(period.start()))
                          .Text(dhis2::FormatDate(period.end()));
                      row.End();
                    }
                  });
}

// Streams the data values (every one, deleted ones included) through one COPY.
Result<int64_t> WriteDataValues(PostgresConnection& connection, const DataValueStore& store,
                                PeriodTable& periods) {
  // The store visits values through a callback; COPY pulls buffers. Collect per data set and
  // period (bounded: one period of one data set) and hand them over.
  const Country& c = store.country();
  int64_t count = 0;
  std::vector<std::pair<int, const dhis2::Period*>> slices;
  for (size_t s = 0; s < c.data_sets.size(); ++s) {
    for (const dhis2::Period& period : c.data_sets[s].periods) {
      slices.emplace_back(static_cast<int>(s), &period);
    }
  }
  size_t next = 0;
  Status status = connection.CopyIn(
      "COPY datavalue (dataelementid, periodid, sourceid, categoryoptioncomboid, "
      "attributeoptioncomboid, value, storedby, created, lastupdated, comment, followup, deleted) "
      "FROM STDIN",
      [&](std::string* buffer) -> Result<bool> {
        RowBuilder row(buffer);
        while (next < slices.size() && buffer->size() < kCopyFlushBytes) {
          DataQuery query;
          query.data_sets = {slices[next].first};
          query.period_ids = {slices[next].second->id()};
          query.include_deleted = true;
          store.ForEachValue(query, [&](const DataValueRecord& r) {
            row.Int(r.data_element + 1)
                .Int(periods.Id(*r.period))
                .Int(r.org_unit + 1)
                .Int(r.coc + 1)
                .Int(r.aoc + 1)
                .Text(r.value)
                .Text(*r.stored_by)
                .Time(r.created_ms)
                .Time(r.updated_ms)
                .OptionalText(r.comment)
                .Bool(r.followup)
                .Bool(r.deleted);
            row.End();
            ++count;
            return true;
          });
          ++next;
        }
        return next < slices.size();
      });
  DHL_RETURN_IF_ERROR(status);
  return count;
}

Result<int64_t> WriteRegistrations(PostgresConnection& connection, const DataValueStore& store,
                                   PeriodTable& periods) {
  int64_t count = 0;
  DHL_RETURN_IF_ERROR(CopyRows(
      connection,
      "completedatasetregistration (datasetid, periodid, sourceid, attributeoptioncomboid, date, "
      "storedby, lastupdated, completed)",
      [&](std::string* out) {
        RowBuilder row(out);
        store.ForEachRegistration(DataQuery{}, [&](const RegistrationRecord& r) {
          row.Int(r.data_set + 1)
              .Int(periods.Id(*r.period))
              .Int(r.org_unit + 1)
              .Int(r.aoc + 1)
              .Time(r.date_ms)
              .Text(*r.stored_by)
              .Null()  // lastupdated: the simulated API gives none
              .Bool(r.completed);
          row.End();
          ++count;
          return true;
        });
      }));
  return count;
}

// The generated min-max ranges the simulator serves (/api/minMaxDataElements).
Status WriteMinMax(PostgresConnection& connection, const Country& c) {
  return CopyRows(connection,
                  "minmaxdataelement (minmaxdataelementid, sourceid, dataelementid, "
                  "categoryoptioncomboid, minimumvalue, maximumvalue, generatedvalue)",
                  [&](std::string* out) {
                    RowBuilder row(out);
                    int64_t id = 0;
                    for (int ou : c.facilities) {
                      for (size_t e = 0; e < c.data_elements.size(); ++e) {
                        const DataElement& de = c.data_elements[e];
                        if (!de.min_max) {
                          continue;
                        }
                        for (int coc : c.category_combos[de.combo].option_combos) {
                          Country::MinMax bounds = c.MinMaxRange(ou, static_cast<int>(e), coc);
                          row.Int(++id)
                              .Int(ou + 1)
                              .Int(static_cast<int64_t>(e) + 1)
                              .Int(coc + 1)
                              .Int(bounds.min)
                              .Int(bounds.max)
                              .Bool(true);
                          row.End();
                        }
                      }
                    }
                  });
}

// The values of confidential attributes, person by person in attribute order, encrypted as DHIS2
// stores them (trackedentityattributevalue.encryptedvalue, value NULL) with dhis.conf's
// encryption.password: a random salt and two 1000-iteration key derivations each, spread over the
// machine's cores.
Result<std::vector<std::string>> EncryptConfidentialValues(const Country& c, const Program& program,
                                                           const std::vector<TrackedEntity>& people,
                                                           const std::string& password) {
  std::vector<const std::string*> clear;
  for (const TrackedEntity& p : people) {
    for (size_t a = 0; a < program.attributes.size() && a < p.attribute_values.size(); ++a) {
      if (c.tracked_entity_attributes[program.attributes[a]].confidential) {
        clear.push_back(&p.attribute_values[a]);
      }
    }
  }
  std::vector<std::string> encrypted(clear.size());
  const source::Dhis2ValueEncryptor encryptor(password);
  size_t threads = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
  std::vector<Status> failures(threads);
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (size_t i = t; i < clear.size(); i += threads) {
        Result<std::string> value = encryptor.Encrypt(*clear[i]);
        if (!value.ok()) {
          failures[t] = value.status();
          return;
        }
        encrypted[i] = std::move(*value);
      }
    });
  }
  for (std::thread& worker : workers) {
    worker.join();
  }
  for (const Status& failure : failures) {
    DHL_RETURN_IF_ERROR(failure);
  }
  return encrypted;
}

// The tracker program's metadata, persons (confidential attribute values encrypted with
// `encryption_password`, the others in clear, as DHIS2 stores them), enrollments and events (data
// values as DHIS2's eventdatavalues jsonb).
Status WriteTracker(PostgresConnection& connection, const Country& c, const TrackerStore& store,
                    const std::string& encryption_password) {
  DHL_RETURN_IF_ERROR(CopyRows(
      connection,
      fmt::format("trackedentitytype (trackedentitytypeid, {}, shortname)", kIdentifiableColumns),
      [&](std::string* out) {
        RowBuilder row(out);
        IdentifiableColumns(row, 0, c.tracked_entity_type);
        row.Text(c.tracked_entity_type.name);
        row.End();
      }));
  DHL_RETURN_IF_ERROR(CopyRows(
      connection,
      fmt::format("trackedentityattribute (trackedentityattributeid, {}, shortname, valuetype, "
                  "aggregationtype, confidential, uniquefield, skipsynchronization)",
                  kIdentifiableColumns),
      [&](std::string* out) {
        RowBuilder row(out);
        for (size_t i = 0; i < c.tracked_entity_attributes.size(); ++i) {
          const TrackedEntityAttribute& attribute = c.tracked_entity_attributes[i];
          IdentifiableColumns(row, i, attribute);
          row.Text(attribute.name)
              .Text(attribute.value_type)
              .Text("NONE")
              .Bool(attribute.confidential)
              .Bool(attribute.unique)
              .Bool(false);
          row.End();
        }
      }));
  DHL_RETURN_IF_ERROR(CopyRows(
      connection,
      fmt::format("program (programid, {}, shortname, type, skipoffline, categorycomboid, "
                  "trackedentitytypeid)",
                  kIdentifiableColumns),
      [&](std::string* out) {
        RowBuilder row(out);
        for (size_t i = 0; i < c.programs.size(); ++i) {
          IdentifiableColumns(row, i, c.programs[i]);
          row.Text(c.programs[i].short_name).Text("WITH_REGISTRATION").Bool(false).Int(1).Int(1);
          row.End();
        }
      }));
  DHL_RETURN_IF_ERROR(CopyRows(
      connection,
      fmt::format("programstage (programstageid, {}, mindaysfromstart, programid, repeatable, "
                  "validationstrategy, enableuserassignment)",
                  kIdentifiableColumns),
      [&](std::string* out) {
        RowBuilder row(out);
        for (size_t i = 0; i < c.program_stages.size(); ++i) {
          IdentifiableColumns(row, i, c.program_stages[i]);
          row.Int(0).Int(1).Bool(c.program_stages[i].repeatable).Text("ON_COMPLETE").Bool(false);
          row.End();
        }
      }));
  Status status;
  store.Read([&](const std::vector<TrackedEntity>& people,
                 const std::vector<Enrollment>& enrollments,
                 const std::vector<TrackerEvent>& events) {
    const Program& program = c.programs.at(0);
    status = CopyRows(connection,
                      "trackedentity (trackedentityid, uid, created, lastupdated, deleted, "
                      "organisationunitid, trackedentitytypeid)",
                      [&](std::string* out) {
                        RowBuilder row(out);
                        for (size_t i = 0; i < people.size(); ++i) {
                          const TrackedEntity& p = people[i];
                          row.Int(static_cast<int64_t>(i) + 1)
                              .Text(p.uid)
                              .Time(p.created_ms)
                              .Time(p.updated_ms)
                              .Bool(p.deleted)
                              .Int(p.org_unit + 1)
                              .Int(1);
                          row.End();
                        }
                      });
    if (!status.ok()) {
      return;
    }
    Result<std::vector<std::string>> encrypted =
        EncryptConfidentialValues(c, program, people, encryption_password);
    if (!encrypted.ok()) {
      status = encrypted.status();
      return;
    }
    status =
        CopyRows(connection,
                 "trackedentityattributevalue (trackedentityid, trackedentityattributeid, "
                 "created, lastupdated, value, encryptedvalue)",
                 [&](std::string* out) {
                   RowBuilder row(out);
                   size_t next_encrypted = 0;
                   for (size_t i = 0; i < people.size(); ++i) {
                     const TrackedEntity& p = people[i];
                     for (size_t a = 0;
                          a < program.attributes.size() && a < p.attribute_values.size(); ++a) {
                       row.Int(static_cast<int64_t>(i) + 1)
                           .Int(program.attributes[a] + 1)
                           .Time(p.created_ms)
                           .Time(p.updated_ms);
                       if (c.tracked_entity_attributes[program.attributes[a]].confidential) {
                         row.Null().Text((*encrypted)[next_encrypted++]);
                       } else {
                         row.Text(p.attribute_values[a]).Null();
                       }
                       row.End();
                     }
                   }
                 });
    if (!status.ok()) {
      return;
    }
    status = CopyRows(connection,
                      "enrollment (enrollmentid, uid, created, lastupdated, occurreddate, "
                      "enrollmentdate, followup, deleted, status, trackedentityid, programid, "
                      "organisationunitid)",
                      [&](std::string* out) {
                        RowBuilder row(out);
                        for (size_t i = 0; i < enrollments.size(); ++i) {
                          const Enrollment& en = enrollments[i];
                          row.Int(static_cast<int64_t>(i) + 1)
                              .Text(en.uid)
                              .Time(en.created_ms)
                              .Time(en.updated_ms)
                              .Time(en.enrolled_ms)
                              .Time(en.enrolled_ms)
                              .Bool(en.follow_up)
                              .Bool(en.deleted)
                              .Text(en.status)
                              .Int(en.tracked_entity + 1)
                              .Int(1)
                              .Int(en.org_unit + 1);
                          row.End();
                        }
                      });
    if (!status.ok()) {
      return;
    }
    status = CopyRows(
        connection,
        "event (eventid, uid, created, lastupdated, enrollmentid, programstageid, "
        "attributeoptioncomboid, deleted, scheduleddate, occurreddate, organisationunitid, status, "
        "eventdatavalues)",
        [&](std::string* out) {
          RowBuilder row(out);
          for (size_t i = 0; i < events.size(); ++i) {
            const TrackerEvent& e = events[i];
            nlohmann::json values = nlohmann::json::object();
            for (const auto& [element, value] : e.data_values) {
              values[c.data_elements[element].uid] = {
                  {"value", value},
                  {"created", FormatLocalMillis(e.created_ms)},
                  {"lastUpdated", FormatLocalMillis(e.updated_ms)},
                  {"providedElsewhere", false}};
            }
            row.Int(static_cast<int64_t>(i) + 1)
                .Text(e.uid)
                .Time(e.created_ms)
                .Time(e.updated_ms)
                .Int(e.enrollment + 1)
                .Int(e.stage + 1)
                .Int(1)
                .Bool(e.deleted)
                .Time(e.scheduled_ms)
                .Time(e.occurred_ms)
                .Int(e.org_unit + 1)
                .Text(e.status)
                .Text(values.dump());
            row.End();
          }
        });
    if (!status.ok() || c.relationship_types.empty()) {
      return;
    }
    // The companion relationships the API lists with each person: deleted (as DHIS2 soft-deletes
    // a tracked entity's relationships with it) when either person is.
    const RelationshipType& type = c.relationship_types[0];
    status = CopyRows(connection,
                      fmt::format("relationshiptype (relationshiptypeid, {}, bidirectional, "
                                  "fromtoname, referral)",
                                  kIdentifiableColumns),
                      [&](std::string* out) {
                        RowBuilder row(out);
                        IdentifiableColumns(row, 0, type);
                        row.Bool(type.bidirectional).Text(type.name).Bool(false);
                        row.End();
                      });
    if (!status.ok()) {
      return;
    }
    std::vector<Relationship> relationships = DeriveRelationships(c.seed, people);
    status = CopyRows(connection,
                      "relationship (relationshipid, uid, created, lastupdated, "
                      "relationshiptypeid, from_relationshipitemid, to_relationshipitemid, key, "
                      "inverted_key, deleted)",
                      [&](std::string* out) {
                        RowBuilder row(out);
                        for (size_t i = 0; i < relationships.size(); ++i) {
                          const Relationship& r = relationships[i];
                          const TrackedEntity& from = people[static_cast<size_t>(r.from)];
                          const TrackedEntity& to = people[static_cast<size_t>(r.to)];
                          auto id = static_cast<int64_t>(i) + 1;
                          row.Int(id)
                              .Text(r.uid)
                              .Time(r.created_ms)
                              .Time(r.created_ms)
                              .Int(1)
                              .Int(2 * id - 1)
                              .Int(2 * id)
                              .Text(type.uid + "_" + from.uid + "_" + to.uid)
                              .Text(type.uid + "_" + to.uid + "_" + from.uid)
                              .Bool(from.deleted || to.deleted);
                          row.End();
                        }
                      });
    if (!status.ok()) {
      return;
    }
    status = CopyRows(connection,
                      "relationshipitem (relationshipitemid, relationshipid, trackedentityid)",
                      [&](std::string* out) {
                        RowBuilder row(out);
                        for (size_t i = 0; i < relationships.size(); ++i) {
                          auto id = static_cast<int64_t>(i) + 1;
                          row.Int(2 * id - 1).Int(id).Int(relationships[i].from + 1);
                          row.End();
                          row.Int(2 * id).Int(id).Int(relationships[i].to + 1);
                          row.End();
                        }
                      });
  });
  return status;
}

}  // namespace

Result<PostgresWriteSummary> WriteCountryToPostgres(const Simulator& simulator,
                                                    const std::string& uri,
                                                    const std::string& password,
                                                    const std::string& encryption_password) {
  if (encryption_password.empty()) {
    return InvalidArgument(
        "sim --write-postgres: the encryption password is empty (DHIS2 encrypts confidential "
        "attribute values with dhis.conf's encryption.password, or its built-in one)");
  }
  PostgresWriteSummary summary;
  source::PostgresConnectOptions connect;
  connect.uri = uri;
  connect.password = password;
  DHL_ASSIGN_OR_RETURN(PostgresConnection connection, PostgresConnection::Open(connect));
  DHL_ASSIGN_OR_RETURN(source::PostgresRows present,
                       connection.Query("SELECT to_regclass('public.datavalue') IS NOT NULL"));
  DHL_RETURN_IF_ERROR(connection.Execute("BEGIN"));
  if (present.rows.at(0)[0].value_or("f") != "t") {
    DHL_RETURN_IF_ERROR(connection.Execute(Dhis2SchemaSubsetDdl()));
    summary.created_schema = true;
  } else {
    std::string tables;
    for (const char* table : kFilledTables) {
      tables += tables.empty() ? table : std::string(", ") + table;
    }
    DHL_RETURN_IF_ERROR(connection.Execute("TRUNCATE " + tables));
  }
  // The simulated server runs in Etc/UTC: its timestamps without a zone are UTC.
  DHL_RETURN_IF_ERROR(connection.Execute(
      "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET timezone TO ''Etc/UTC''', "
      "current_database()); END $$"));
  const Country& country = simulator.country();
  PeriodTable periods;
  DHL_RETURN_IF_ERROR(WriteMetadata(connection, country, periods));
  size_t period_count = periods.ids.size();
  DHL_ASSIGN_OR_RETURN(summary.data_values,
                       WriteDataValues(connection, simulator.values(), periods));
  DHL_ASSIGN_OR_RETURN(summary.registrations,
                       WriteRegistrations(connection, simulator.values(), periods));
  DHL_RETURN_IF_ERROR(WriteMinMax(connection, country));
  DHL_RETURN_IF_ERROR(WriteTracker(connection, country, simulator.tracker(), encryption_password));
  if (periods.ids.size() != period_count) {
    return Internal("sim --write-postgres: a value or registration of a period no data set has");
  }
  DHL_RETURN_IF_ERROR(connection.Execute("COMMIT"));
  summary.org_units = static_cast<int64_t>(country.org_units.size());
  return summary;
}

}  // namespace dhl::sim
