#pragma once
// A fixed set of values (a verdict, an item's state, an action...) is one `enum class` and one
// Vocabulary: a table giving each value its database text, protobuf value and human word. Every
// conversion goes through the table, so a spelling is written once; code that branches on the
// set switches over the enum without `default`, so -Wswitch names a forgotten case.
//
//   enum class Verdict { kPlayable, kDegraded, kUnplayable };
//   inline constexpr Vocabulary<Verdict, v1::Verdict, 3> kVerdicts{{{
//       {Verdict::kPlayable, "playable", v1::VERDICT_PLAYABLE, "playable"}, ...}}};
//   kVerdicts.Db(Verdict::kDegraded)  // "degraded"
//   kVerdicts.FromDb(row_text)        // std::optional<Verdict>
//
// Thread-safe (immutable); meant as `inline constexpr` globals beside their enum.

#include <array>
#include <cassert>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace curation {

/// For a set that the API does not carry: its Proto parameter.
enum class NoProto { kNone };

template <typename Enum, typename Proto>
struct Spelling {
  Enum value;
  std::string_view db;     // as stored in PostgreSQL text columns and CHECK constraints
  Proto proto;             // as carried by the gRPC API
  std::string_view human;  // as shown to people: reports, curatorctl, the console
};

template <typename Enum, typename Proto, std::size_t N>
class Vocabulary {
 public:
  using Entry = Spelling<Enum, Proto>;

  constexpr explicit Vocabulary(std::array<Entry, N> entries) : entries_(entries) {}

  constexpr std::string_view Db(Enum value) const { return Of(value).db; }
  constexpr Proto ToProto(Enum value) const { return Of(value).proto; }
  constexpr std::string_view Human(Enum value) const { return Of(value).human; }
  /// The database text as an SQL literal ('firing'), for statements assembled once at startup.
  /// (The spellings hold no quote.)
  std::string Sql(Enum value) const { return std::string("'").append(Db(value)).append("'"); }

  /// nullopt for text the table does not hold (a row written by a newer version, a typo in a filter).
  constexpr std::optional<Enum> FromDb(std::string_view text) const {
    for (const Entry& entry : entries_) {
      if (entry.db == text) {
        return entry.value;
      }
    }
    return std::nullopt;
  }

  /// What someone typed (a curatorctl flag) back to its value: the first spelled so, as human
  /// words need not be unique; nullopt for a word the table does not hold.
  constexpr std::optional<Enum> FromHuman(std::string_view word) const {
    for (const Entry& entry : entries_) {
      if (entry.human == word) {
        return entry.value;
      }
    }
    return std::nullopt;
  }

  /// nullopt for a value the table does not hold: UNSPECIFIED, or a value from a newer client.
  constexpr std::optional<Enum> FromProto(int proto) const {
    for (const Entry& entry : entries_) {
      if (static_cast<int>(entry.proto) == proto) {
        return entry.value;
      }
    }
    return std::nullopt;
  }

  /// Stored text straight to the API's value; the proto's zero value (UNSPECIFIED) when unknown.
  constexpr Proto ProtoFromDb(std::string_view text) const {
    auto value = FromDb(text);
    return value ? ToProto(*value) : Proto{};
  }

  /// The API's value straight to stored text; nullopt when the table does not hold it.
  constexpr std::optional<std::string_view> DbFromProto(int proto) const {
    auto value = FromProto(proto);
    return value ? std::optional<std::string_view>(Db(*value)) : std::nullopt;
  }

  constexpr const std::array<Entry, N>& entries() const { return entries_; }

 private:
  constexpr const Entry& Of(Enum value) const {
    for (const Entry& entry : entries_) {
      if (entry.value == value) {
        return entry;
      }
    }
    assert(false && "a Vocabulary's table lacks one of its enum's values");
    return entries_[0];
  }

  std::array<Entry, N> entries_;
};

/// How an outside system (the query node, Orion) spells the values of a set, beside the set's
/// Vocabulary: what it sends is read with From, refused (nullopt) when the table does not hold it.
///
///   inline constexpr ForeignSpellings<ActorKind, 3> kActorTypenames{{{
///       {ActorKind::kLead, "ContentActorLead"}, ...}}};
template <typename Enum, std::size_t N>
class ForeignSpellings {
 public:
  struct Entry {
    Enum value;
    std::string_view text;
  };

  constexpr explicit ForeignSpellings(std::array<Entry, N> entries) : entries_(entries) {}

  constexpr std::optional<Enum> From(std::string_view text) const {
    for (const Entry& entry : entries_) {
      if (entry.text == text) {
        return entry.value;
      }
    }
    return std::nullopt;
  }

  constexpr std::string_view Of(Enum value) const {
    for (const Entry& entry : entries_) {
      if (entry.value == value) {
        return entry.text;
      }
    }
    assert(false && "a ForeignSpellings table lacks one of its enum's values");
    return entries_[0].text;
  }

  constexpr const std::array<Entry, N>& entries() const { return entries_; }

 private:
  std::array<Entry, N> entries_;
};

}  // namespace curation
