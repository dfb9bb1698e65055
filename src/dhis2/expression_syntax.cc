#include "dhis2/expression_syntax.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "base/text.h"

namespace dhl::dhis2::syntax {

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlphaNumeric(char c) { return IsLetter(c) || IsAsciiDigit(c); }
bool IsIdentifierChar(char c) { return IsAlphaNumeric(c) || c == '_'; }
bool IsWhitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool IsUid(std::string_view text) {
  return text.size() == 11 && IsLetter(text[0]) &&
         std::all_of(text.begin(), text.end(), IsAlphaNumeric);
}

int Precedence(BinaryOperator op) {
  switch (op) {
    case BinaryOperator::kOr:
      return 0;
    case BinaryOperator::kAnd:
      return 1;
    case BinaryOperator::kEqual:
    case BinaryOperator::kNotEqual:
      return 2;
    case BinaryOperator::kLess:
    case BinaryOperator::kGreater:
    case BinaryOperator::kLessOrEqual:
    case BinaryOperator::kGreaterOrEqual:
      return 3;
    case BinaryOperator::kAdd:
    case BinaryOperator::kSubtract:
      return 4;
    case BinaryOperator::kMultiply:
    case BinaryOperator::kDivide:
    case BinaryOperator::kModulo:
      return 5;
    case BinaryOperator::kPower:
      return 7;
  }
  return 0;
}

std::string FormatNumber(double value) {
  char buffer[64];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (error != std::errc()) {
    return "0";
  }
  return std::string(buffer, end);
}

std::string QuoteString(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  out += "'";
  return out;
}

std::string RenderUnary(UnaryOperator op, std::string operand, int operand_precedence,
                        bool operand_is_negative_number) {
  std::string text = op == UnaryOperator::kMinus ? "-" : op == UnaryOperator::kPlus ? "+" : "!";
  // Unary operators bind looser than ^ but tighter than '*': -(2^2) needs no parentheses; a
  // negative number operand does (-(-1), never --1).
  if (operand_precedence < kUnaryPrecedence || operand_is_negative_number) {
    return text + "(" + operand + ")";
  }
  return text + operand;
}

std::string RenderBinary(BinaryOperator op, std::string left, int left_precedence,
                         std::string right, int right_precedence) {
  int precedence = Precedence(op);
  int left_needs = precedence;
  int right_needs = precedence + 1;
  if (op == BinaryOperator::kPower) {
    // Right-associative, and a unary operand on the left must be parenthesised: (-2)^2.
    left_needs = kAtomPrecedence;
    right_needs = kUnaryPrecedence;
  }
  if (left_precedence < left_needs) {
    left = "(" + left + ")";
  }
  if (right_precedence < right_needs) {
    right = "(" + right + ")";
  }
  return left + " " + std::string(BinaryOperatorSymbol(op)) + " " + right;
}

Status Scanner::Error(size_t position, std::string_view what) const {
  size_t at = base_ + position;
  std::string message(what);
  message += " at character " + std::to_string(at) + "\n";
  message += outer_;
  message += "\n" + std::string(std::min(at, outer_.size()), ' ') + "^";
  return InvalidArgument(std::move(message));
}

Status Scanner::Expected(std::string_view what) const {
  if (AtEnd()) {
    return Error(pos_, "expected " + std::string(what) + " but the expression ended");
  }
  return Error(pos_, "expected " + std::string(what));
}

Status Scanner::PlaceholderError(size_t position) const {
  size_t end = text_.find('>', position);
  std::string_view token = end == std::string_view::npos
                               ? text_.substr(position)
                               : text_.substr(position, end - position + 1);
  return Error(position, "unresolved metadata package placeholder " + std::string(token) +
                             " (replace it with a UID before parsing)");
}

Status Scanner::SkipWhitespace() {
  while (!AtEnd()) {
    if (IsWhitespace(Peek())) {
      ++pos_;
    } else if (Peek() == '/' && Peek(1) == '*') {
      size_t end = text_.find("*/", pos_ + 2);
      if (end == std::string_view::npos) {
        return Error(pos_, "unclosed comment");
      }
      pos_ = end + 2;
    } else {
      break;
    }
  }
  return Status::Ok();
}

Status Scanner::Expect(char c) {
  DHL_RETURN_IF_ERROR(SkipWhitespace());
  if (AtEnd() || Peek() != c) {
    return Expected(std::string("'") + c + "'");
  }
  ++pos_;
  return Status::Ok();
}

std::string Scanner::ReadIdentifier() {
  size_t start = pos_;
  while (!AtEnd() && IsIdentifierChar(Peek())) {
    ++pos_;
  }
  return std::string(text_.substr(start, pos_ - start));
}

Status Scanner::Deeper(size_t position) {
  if (++nesting_ > kMaxNesting) {
    return Error(position, "expression nests too deeply");
  }
  return Status::Ok();
}

std::optional<BinaryOperator> Scanner::MatchBinaryOperator(int level, size_t* length) const {
  char c = Peek();
  char next = Peek(1);
  *length = 1;
  switch (level) {
    case 0:  // || or
      if (c == '|' && next == '|') {
        *length = 2;
        return BinaryOperator::kOr;
      }
      if (LookingAtWord("or")) {
        *length = 2;
        return BinaryOperator::kOr;
      }
      return std::nullopt;
    case 1:  // && and
      if (c == '&' && next == '&') {
        *length = 2;
        return BinaryOperator::kAnd;
      }
      if (LookingAtWord("and")) {
        *length = 3;
        return BinaryOperator::kAnd;
      }
      return std::nullopt;
    case 2:  // == !=
      if ((c == '=' || c == '!') && next == '=') {
        *length = 2;
        return c == '=' ? BinaryOperator::kEqual : BinaryOperator::kNotEqual;
      }
      return std::nullopt;
    case 3:  // < > <= >= (never "<>", which the grammar does not have)
      if ((c == '<' || c == '>') && next == '=') {
        *length = 2;
        return c == '<' ? BinaryOperator::kLessOrEqual : BinaryOperator::kGreaterOrEqual;
      }
      if (c == '<' && next != '>') {
        return BinaryOperator::kLess;
      }
      if (c == '>') {
        return BinaryOperator::kGreater;
      }
      return std::nullopt;
    case 4:  // + -
      if (c == '+') {
        return BinaryOperator::kAdd;
      }
      if (c == '-') {
        return BinaryOperator::kSubtract;
      }
      return std::nullopt;
    case 5:  // * / % (a '/' opening a comment is not division)
      if (c == '*') {
        return BinaryOperator::kMultiply;
      }
      if (c == '/' && next != '*') {
        return BinaryOperator::kDivide;
      }
      if (c == '%') {
        return BinaryOperator::kModulo;
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

std::optional<UnaryOperator> Scanner::MatchUnaryOperator(size_t* length) const {
  *length = 1;
  if (Peek() == '-') {
    return UnaryOperator::kMinus;
  }
  if (Peek() == '+') {
    return UnaryOperator::kPlus;
  }
  if (Peek() == '!' && Peek(1) != '=') {
    return UnaryOperator::kNot;
  }
  if (LookingAtWord("not")) {
    *length = 3;
    return UnaryOperator::kNot;
  }
  return std::nullopt;
}

Result<double> Scanner::ScanNumber() {
  size_t start = pos_;
  while (IsAsciiDigit(Peek())) {
    ++pos_;
  }
  if (Peek() == '.') {
    ++pos_;
    while (IsAsciiDigit(Peek())) {
      ++pos_;
    }
  }
  if (Peek() == 'e' || Peek() == 'E') {
    size_t exponent_start = pos_;
    ++pos_;
    if (Peek() == '+' || Peek() == '-') {
      ++pos_;
    }
    if (!IsAsciiDigit(Peek())) {
      pos_ = exponent_start;
      return Error(exponent_start, "expected digits of the exponent");
    }
    while (IsAsciiDigit(Peek())) {
      ++pos_;
    }
  }
  std::string literal(text_.substr(start, pos_ - start));
  // strtod accepts every form above ("2.", ".5", "1e-3") and is locale-independent for '.' here
  // because the project never changes LC_NUMERIC.
  double number = std::strtod(literal.c_str(), nullptr);
  // A literal beyond the range of a double (2e2022) would evaluate to infinity, which no expression
  // can spell and DHIS2 cannot store: refuse it where it stands. (Found by the expression fuzzer.)
  if (!std::isfinite(number)) {
    pos_ = start;
    return Error(start, "number " + literal + " is too large");
  }
  return number;
}

Result<std::string> Scanner::ScanString() {
  size_t start = pos_;
  char quote = Peek();
  ++pos_;
  std::string value;
  while (true) {
    if (AtEnd()) {
      return Error(start, std::string("unclosed string literal, expected closing ") + quote);
    }
    char c = Peek();
    if (c == quote) {
      ++pos_;
      return value;
    }
    if (c != '\\') {
      value += c;
      ++pos_;
      continue;
    }
    char escaped = Peek(1);
    pos_ += 2;
    switch (escaped) {
      case 'n':
        value += '\n';
        break;
      case 't':
        value += '\t';
        break;
      case 'r':
        value += '\r';
        break;
      case 'b':
        value += '\b';
        break;
      case 'f':
        value += '\f';
        break;
      case 'u': {
        std::string_view hex = text_.substr(std::min(pos_, text_.size()), 4);
        unsigned code = 0;
        auto [end, error] = std::from_chars(hex.data(), hex.data() + hex.size(), code, 16);
        if (hex.size() != 4 || error != std::errc() || end != hex.data() + 4) {
          return Error(pos_, "expected 4 hexadecimal digits");
        }
        pos_ += 4;
        // UTF-8 encode the code unit (surrogates are kept as their 3-byte form).
        if (code < 0x80) {
          value += static_cast<char>(code);
        } else if (code < 0x800) {
          value += static_cast<char>(0xC0 | (code >> 6));
          value += static_cast<char>(0x80 | (code & 0x3F));
        } else {
          value += static_cast<char>(0xE0 | (code >> 12));
          value += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
          value += static_cast<char>(0x80 | (code & 0x3F));
        }
        break;
      }
      case '\0':
        if (pos_ > text_.size()) {
          return Error(start, std::string("unclosed string literal, expected closing ") + quote);
        }
        value += escaped;
        break;
      default:
        value += escaped;  // \\ \' \" and any other character stand for themselves
        break;
    }
  }
}

}  // namespace dhl::dhis2::syntax
