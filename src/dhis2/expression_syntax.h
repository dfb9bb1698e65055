// The lexical and operator layer of DHIS2's expression languages, shared by the two parsers built
// on it: the aggregate language (expression.cc: indicators, validation rules, predictors) and the
// program-indicator language (program_expression.cc). dhis2-core parses both with one ANTLR grammar
// (Expression.g4), so characters, comments, number and string literals, operators, their precedence
// and the normal form of operators are one thing here too; only items and functions differ.
#ifndef DHL_DHIS2_EXPRESSION_SYNTAX_H_
#define DHL_DHIS2_EXPRESSION_SYNTAX_H_

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"
#include "dhis2/expression.h"

namespace dhl::dhis2::syntax {

// Deeper trees are refused: they only come from generated or hostile input, and every consumer of
// a tree (evaluator, SQL compiler, destructor) recurses over it. Nesting (parentheses, unary
// operators, function calls, exponents) costs a recursive-descent parser a dozen stack frames per
// level, so it has a tighter limit than the depth of operator chains, which are built iteratively.
inline constexpr int kMaxDepth = 500;
inline constexpr int kMaxNesting = 100;

bool IsLetter(char c);
bool IsAlphaNumeric(char c);
bool IsIdentifierChar(char c);
bool IsWhitespace(char c);
// 11 letters and digits, the first a letter (DHIS2's CodeGenerator.isValidUid).
bool IsUid(std::string_view text);

// Binding strength in the normal form: || 0, && 1, == != 2, comparisons 3, + - 4, * / % 5, unary
// operators kUnaryPrecedence, ^ 7, everything else kAtomPrecedence.
int Precedence(BinaryOperator op);
inline constexpr int kUnaryPrecedence = 6;
inline constexpr int kAtomPrecedence = 8;

// Normal-form text of literals and operators. `*_precedence` is the precedence of the operand's
// own node (Precedence, kUnaryPrecedence or kAtomPrecedence).
std::string FormatNumber(double value);
std::string QuoteString(std::string_view value);
std::string RenderUnary(UnaryOperator op, std::string operand, int operand_precedence,
                        bool operand_is_negative_number);
std::string RenderBinary(BinaryOperator op, std::string left, int left_precedence,
                         std::string right, int right_precedence);

// A cursor over an expression's text with the grammar's tokens. A nested parse (a string argument
// parsed as an expression, d2:condition) scans `text` but reports positions in `outer`, offset by
// `base`.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : Scanner(text, text, 0) {}
  Scanner(std::string_view text, std::string_view outer, size_t base)
      : text_(text), outer_(outer), base_(base) {}

  // "<what> at character N", the expression, and a caret under the position.
  Status Error(size_t position, std::string_view what) const;
  Status Expected(std::string_view what) const;
  // A metadata package placeholder (<uid-of-something>) where a UID belongs.
  Status PlaceholderError(size_t position) const;

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  bool LookingAt(std::string_view word) const { return text_.substr(pos_, word.size()) == word; }
  // A word operator (and, or, not) not followed by an identifier character.
  bool LookingAtWord(std::string_view word) const {
    return LookingAt(word) && !IsIdentifierChar(Peek(word.size()));
  }
  // Skips blanks and /* comments */.
  Status SkipWhitespace();
  Status Expect(char c);
  std::string ReadIdentifier();
  // The position a node records: offset into the outer text.
  size_t Position(size_t offset) const { return base_ + offset; }

  // Guards the parser's recursion: Deeper before descending, Shallower after.
  Status Deeper(size_t position);
  void Shallower() { --nesting_; }

  // The binary operator of `level` (0 loosest: ||, &&, equality, comparison, + -, * / %) at the
  // cursor, and its length; ^ is the power step's own.
  std::optional<BinaryOperator> MatchBinaryOperator(int level, size_t* length) const;
  static constexpr int kBinaryLevelCount = 6;
  std::optional<UnaryOperator> MatchUnaryOperator(size_t* length) const;

  // At a digit or '.': the number literal (digits, fraction, exponent), the cursor after it.
  Result<double> ScanNumber();
  // At ' or ": the string literal's value with its escapes (\n \t \r \b \f \uXXXX, any other
  // character escaped stands for itself), the cursor after the closing quote.
  Result<std::string> ScanString();

 protected:
  std::string_view text_;
  std::string_view outer_;
  size_t base_ = 0;
  size_t pos_ = 0;
  int nesting_ = 0;
};

// Binary operators by level, unary operators and the right-associative ^ over a parser's own tree.
// `Derived` provides `Result<Parsed> ParsePostfix()` (a primary with its modifiers); `Parsed` holds
// `node` (with kind, binary_operator, unary_operator, position and children) and `depth`.
template <typename Derived, typename Parsed, auto kBinaryKind, auto kUnaryKind>
class OperatorParser : public Scanner {
 public:
  using Scanner::Scanner;

 protected:
  Result<Parsed> ParseBinaryLevel(int level) {
    if (level >= kBinaryLevelCount) {
      return ParseUnary();
    }
    DHL_ASSIGN_OR_RETURN(Parsed left, ParseBinaryLevel(level + 1));
    while (true) {
      DHL_RETURN_IF_ERROR(SkipWhitespace());
      size_t length = 0;
      std::optional<BinaryOperator> op = MatchBinaryOperator(level, &length);
      if (!op) {
        return left;
      }
      size_t position = pos_;
      pos_ += length;
      DHL_ASSIGN_OR_RETURN(Parsed right, ParseBinaryLevel(level + 1));
      DHL_ASSIGN_OR_RETURN(left, MakeBinary(*op, position, std::move(left), std::move(right)));
    }
  }

  Result<Parsed> ParseUnary() {
    DHL_RETURN_IF_ERROR(SkipWhitespace());
    size_t start = pos_;
    size_t length = 0;
    std::optional<UnaryOperator> op = MatchUnaryOperator(&length);
    if (!op) {
      return ParsePower();
    }
    pos_ += length;
    DHL_RETURN_IF_ERROR(Deeper(start));
    DHL_ASSIGN_OR_RETURN(Parsed operand, ParseUnary());
    Shallower();
    Parsed out;
    out.node.kind = kUnaryKind;
    out.node.unary_operator = *op;
    out.node.position = Position(start);
    out.depth = operand.depth + 1;
    out.node.children.push_back(std::move(operand.node));
    return out;
  }

  Result<Parsed> ParsePower() {
    DHL_ASSIGN_OR_RETURN(Parsed base, static_cast<Derived*>(this)->ParsePostfix());
    DHL_RETURN_IF_ERROR(SkipWhitespace());
    if (Peek() != '^') {
      return base;
    }
    size_t position = pos_;
    ++pos_;
    // The exponent may carry its own unary sign (2^-1) and is itself a power: right-associative.
    DHL_RETURN_IF_ERROR(Deeper(position));
    DHL_ASSIGN_OR_RETURN(Parsed exponent, ParseUnary());
    Shallower();
    return MakeBinary(BinaryOperator::kPower, position, std::move(base), std::move(exponent));
  }

  Result<Parsed> MakeBinary(BinaryOperator op, size_t position, Parsed left, Parsed right) {
    Parsed out;
    out.node.kind = kBinaryKind;
    out.node.binary_operator = op;
    out.node.position = Position(position);
    out.depth = std::max(left.depth, right.depth) + 1;
    if (out.depth > kMaxDepth) {
      return Error(position, "expression nests too deeply");
    }
    out.node.children.push_back(std::move(left.node));
    out.node.children.push_back(std::move(right.node));
    return out;
  }
};

}  // namespace dhl::dhis2::syntax

#endif  // DHL_DHIS2_EXPRESSION_SYNTAX_H_
