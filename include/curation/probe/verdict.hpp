#pragma once
// How playable a video, a source or a featured slot is, as a probe found it.

#include <curation/common/vocabulary.hpp>
#include <curation/v1/probe.pb.h>

namespace curation::probe {

enum class Verdict { kPlayable, kDegraded, kUnplayable };

inline constexpr Vocabulary<Verdict, v1::Verdict, 3> kVerdicts{{{
    {Verdict::kPlayable, "playable", v1::VERDICT_PLAYABLE, "playable"},
    {Verdict::kDegraded, "degraded", v1::VERDICT_DEGRADED, "degraded"},
    {Verdict::kUnplayable, "unplayable", v1::VERDICT_UNPLAYABLE, "unplayable"},
}}};

}  // namespace curation::probe
