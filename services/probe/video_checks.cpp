// Video checks with libavformat/libavcodec over a RangeSource (playability.md §2–§11).

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>

#include <absl/strings/str_cat.h>
#include <google/protobuf/util/time_util.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/pixdesc.h>
}

#include <opencv2/core.hpp>

#include "checks.hpp"
#include "findings.hpp"

namespace curation::probe {
namespace {

// Demuxers browsers play from (MP4/MOV family, Matroska/WebM): playlists and concat lists
// are refused before they can name a URL.
constexpr char kFormatWhitelist[] = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm";
// Belt and braces: FFmpeg opens no protocol at all (we read the bytes), and refuses others.
constexpr char kProtocolWhitelist[] = "http,https,tcp,tls";
constexpr int kIoBufferSize = 32 << 10;
constexpr int kHeadVideoFrames = 3;
constexpr int kMaxHeadPackets = 2000;
constexpr int kMaxTailPackets = 600;
constexpr double kTailSeconds = 2.0;
// Deep checks look at the opening seconds; a segment this long is reported.
constexpr double kDeepWindowSeconds = 5.0;
constexpr double kDeepSampleEvery = 0.25;
constexpr double kSegmentSeconds = 2.0;
constexpr int kBlackLuma = 32;              // blackframe's default threshold
constexpr double kBlackShare = 0.98;        // of pixels at or under it
constexpr double kFrozenMeanDifference = 0.5;
constexpr double kSilentDbfs = -60.0;
// No video is a year long or starts a year in: a header that says so is crafted or broken. Its
// times are refused before they become a protobuf Duration (whose conversions CHECK-fail, and
// abort the worker, past 10,000 years) or are computed with in 64-bit ticks.
constexpr double kMaxMediaSeconds = 366.0 * 24 * 3600;

struct FormatCloser {
  void operator()(AVFormatContext* ctx) const { avformat_close_input(&ctx); }
};
struct IoFreer {
  void operator()(AVIOContext* io) const {
    av_freep(&io->buffer);
    avio_context_free(&io);
  }
};
struct CodecFreer {
  void operator()(AVCodecContext* ctx) const { avcodec_free_context(&ctx); }
};
struct PacketFreer {
  void operator()(AVPacket* packet) const { av_packet_free(&packet); }
};
struct FrameFreer {
  void operator()(AVFrame* frame) const { av_frame_free(&frame); }
};
struct DictionaryFreer {
  void operator()(AVDictionary* dictionary) const { av_dict_free(&dictionary); }
};

std::string AvError(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof text);
  return text;
}

int ReadPacket(void* opaque, uint8_t* buffer, int size) { return static_cast<RangeSource*>(opaque)->Read(buffer, size); }
int64_t SeekPacket(void* opaque, int64_t offset, int whence) {
  return static_cast<RangeSource*>(opaque)->Seek(offset, whence);
}
int Interrupted(void* opaque) { return static_cast<RangeSource*>(opaque)->past_deadline() ? 1 : 0; }

// FFmpeg asks this for any file other than ours that a demuxer wants (a playlist entry, an
// external track reference). The answer is always no.
int RefuseNestedOpen(AVFormatContext* ctx, AVIOContext**, const char* url, int, AVDictionary**) {
  auto* refused = static_cast<std::string*>(ctx->opaque);
  if (refused->empty()) {
    *refused = url == nullptr ? "" : url;
  }
  return AVERROR(EPERM);
}

uint64_t BigEndian(std::string_view bytes, size_t at, int width) {
  uint64_t value = 0;
  for (int i = 0; i < width; ++i) {
    value = value << 8 | static_cast<uint8_t>(bytes[at + i]);
  }
  return value;
}

// Whether the top-level 'moov' box comes before 'mdat', from the head; nullopt when the head
// does not reach either.
std::optional<bool> MoovBeforeMdat(std::string_view head) {
  size_t at = 0;
  while (at + 8 <= head.size()) {
    uint64_t size = BigEndian(head, at, 4);
    std::string_view type = head.substr(at + 4, 4);
    if (type == "moov") return true;
    if (type == "mdat") return false;
    if (size == 1) {
      if (at + 16 > head.size()) return std::nullopt;
      size = BigEndian(head, at + 8, 8);
    }
    if (size < 8) return std::nullopt;
    at += size;
  }
  return std::nullopt;
}

std::string CodecLongName(AVCodecID id) {
  const AVCodecDescriptor* descriptor = avcodec_descriptor_get(id);
  return descriptor == nullptr ? avcodec_get_name(id) : descriptor->long_name;
}

bool IsWebmCodec(AVCodecID id) {
  return id == AV_CODEC_ID_VP8 || id == AV_CODEC_ID_VP9 || id == AV_CODEC_ID_AV1 || id == AV_CODEC_ID_OPUS ||
         id == AV_CODEC_ID_VORBIS;
}

double Seconds(int64_t timestamp, AVRational time_base) {
  return timestamp == AV_NOPTS_VALUE ? -1.0 : static_cast<double>(timestamp) * av_q2d(time_base);
}

struct Decoder {
  std::unique_ptr<AVCodecContext, CodecFreer> ctx;
  AVRational time_base{0, 1};
  int frames = 0;
  int errors = 0;
  std::string last_error;
  double last_time = -1.0;
};

// Opens the stream's decoder; an empty ctx and a message when it cannot.
Decoder OpenDecoder(const AVStream* stream, const ProbeLimits& limits) {
  Decoder decoder;
  decoder.time_base = stream->time_base;
  const AVCodec* codec = avcodec_find_decoder(stream->codecpar->codec_id);
  if (codec == nullptr) {
    decoder.last_error = "no decoder in this FFmpeg build";
    return decoder;
  }
  decoder.ctx.reset(avcodec_alloc_context3(codec));
  avcodec_parameters_to_context(decoder.ctx.get(), stream->codecpar);
  decoder.ctx->thread_count = 1;  // a few frames: threads cost more than they save
  decoder.ctx->max_pixels = static_cast<int64_t>(limits.max_video_dimension) * limits.max_video_dimension;
  if (int rc = avcodec_open2(decoder.ctx.get(), codec, nullptr); rc < 0) {
    decoder.last_error = AvError(rc);
    decoder.ctx.reset();
  }
  return decoder;
}

// Luma and loudness of the opening seconds, for BLACK, FROZEN and SILENT.
class OpeningMonitor {
 public:
  void OnVideoFrame(const AVFrame* frame, double time) {
    if (time < 0 || time > kDeepWindowSeconds || time < next_sample_) return;
    auto format = static_cast<AVPixelFormat>(frame->format);
    const AVPixFmtDescriptor* descriptor = av_pix_fmt_desc_get(format);
    if (descriptor == nullptr || (descriptor->flags & AV_PIX_FMT_FLAG_RGB) || descriptor->comp[0].depth != 8) return;
    next_sample_ = time + kDeepSampleEvery;
    cv::Mat luma(frame->height, frame->width, CV_8UC1, frame->data[0], frame->linesize[0]);
    double dark_share = 1.0 - static_cast<double>(cv::countNonZero(luma > kBlackLuma)) / luma.total();
    bool black = dark_share >= kBlackShare;
    bool frozen = false;
    if (!previous_.empty() && previous_.size() == luma.size()) {
      cv::Mat difference;
      cv::absdiff(luma, previous_, difference);
      frozen = cv::mean(difference)[0] < kFrozenMeanDifference;
    }
    Track(black, time, black_start_, longest_black_);
    Track(frozen, time, frozen_start_, longest_frozen_);
    luma.copyTo(previous_);
    ++samples_;
  }

  void OnAudioFrame(const AVFrame* frame, double time) {
    if (time < 0 || time > kDeepWindowSeconds) return;
    int channels = frame->ch_layout.nb_channels;
    auto add = [&](double sample) {
      square_sum_ += sample * sample;
      ++audio_samples_;
    };
    for (int c = 0; c < channels; ++c) {
      for (int i = 0; i < frame->nb_samples; ++i) {
        switch (frame->format) {
          case AV_SAMPLE_FMT_FLTP: add(reinterpret_cast<const float*>(frame->extended_data[c])[i]); break;
          case AV_SAMPLE_FMT_FLT: add(reinterpret_cast<const float*>(frame->data[0])[i * channels + c]); break;
          case AV_SAMPLE_FMT_S16P: add(reinterpret_cast<const int16_t*>(frame->extended_data[c])[i] / 32768.0); break;
          case AV_SAMPLE_FMT_S16: add(reinterpret_cast<const int16_t*>(frame->data[0])[i * channels + c] / 32768.0); break;
          case AV_SAMPLE_FMT_S32P: add(reinterpret_cast<const int32_t*>(frame->extended_data[c])[i] / 2147483648.0); break;
          case AV_SAMPLE_FMT_S32: add(reinterpret_cast<const int32_t*>(frame->data[0])[i * channels + c] / 2147483648.0); break;
          default: return;  // other formats are rare after decoding; no verdict on them
        }
      }
    }
  }

  void Report(SourceReport& report) const {
    if (longest_black_ >= kSegmentSeconds) {
      Warn(report, code::kBlack, absl::StrCat("the picture is black for ", absl::SixDigits(longest_black_),
                                              " s of the opening ", kDeepWindowSeconds, " s"));
    } else if (longest_frozen_ >= kSegmentSeconds) {
      Warn(report, code::kFrozen, absl::StrCat("the picture does not move for ", absl::SixDigits(longest_frozen_),
                                               " s of the opening ", kDeepWindowSeconds, " s"));
    }
    if (audio_samples_ > 0) {
      double rms = std::sqrt(square_sum_ / static_cast<double>(audio_samples_));
      double dbfs = rms > 0 ? 20.0 * std::log10(rms) : -200.0;
      if (dbfs <= kSilentDbfs) {
        Warn(report, code::kSilent,
             absl::StrCat("the sound is silent (", static_cast<int>(dbfs), " dBFS) for the opening seconds"));
      }
    }
  }

 private:
  // Extends or ends a run of samples that meet a condition; keeps the longest run's length.
  void Track(bool condition, double time, std::optional<double>& start, double& longest) const {
    if (!condition) {
      start.reset();
      return;
    }
    if (!start) start = time;
    longest = std::max(longest, time - *start + kDeepSampleEvery);
  }

  double next_sample_ = 0;
  cv::Mat previous_;
  int samples_ = 0;
  std::optional<double> black_start_, frozen_start_;
  double longest_black_ = 0, longest_frozen_ = 0;
  double square_sum_ = 0;
  int64_t audio_samples_ = 0;
};

class VideoProbe {
 public:
  VideoProbe(RangeSource& source, const ProbeTarget& target, const ProbeLimits& limits, SourceReport& report)
      : source_(source), target_(target), limits_(limits), report_(report), facts_(*report.mutable_media()) {}

  void Run() {
    if (!Open()) return;
    if (!InspectStreams()) return;
    CheckIndex();
    if (!DecodeHead()) return;
    CheckFrameFormat();
    if (!HasFailure(report_)) DecodeTail();
    if (target_.deep) monitor_.Report(report_);
  }

 private:
  bool Open() {
    const std::string& head = source_.head();
    if (head.starts_with("#EXTM3U") || head.starts_with("ffconcat")) {
      Fail(report_, code::kPlaylist,
           "the body is a playlist, not media: refused, and nothing it names was fetched");
      return false;
    }
    std::string padded = head;
    padded.resize(head.size() + AVPROBE_PADDING_SIZE, '\0');
    AVProbeData probe_data{.filename = "",
                           .buf = reinterpret_cast<unsigned char*>(padded.data()),
                           .buf_size = static_cast<int>(head.size()),
                           .mime_type = nullptr};
    int score = 0;
    const AVInputFormat* detected = av_probe_input_format3(&probe_data, 1, &score);
    if (detected == nullptr || score < AVPROBE_SCORE_RETRY) {
      Fail(report_, code::kCorruptContainer, "the first bytes are not a container FFmpeg recognises");
      return false;
    }
    std::string_view name = detected->name;
    if (name != "mov,mp4,m4a,3gp,3g2,mj2" && name != "matroska,webm") {
      Fail(report_, name == "hls" || name == "concat" ? code::kPlaylist : code::kUnsupportedContainer,
           absl::StrCat("the file is ", detected->long_name, " (", detected->name,
                        "): not MP4 or WebM; refused without reading further"));
      return false;
    }
    io_.reset(avio_alloc_context(static_cast<unsigned char*>(av_malloc(kIoBufferSize)), kIoBufferSize, 0, &source_,
                                 ReadPacket, nullptr, SeekPacket));
    AVFormatContext* ctx = avformat_alloc_context();
    ctx->pb = io_.get();
    ctx->flags |= AVFMT_FLAG_CUSTOM_IO;
    ctx->interrupt_callback = {Interrupted, &source_};
    ctx->opaque = &refused_url_;
    ctx->io_open = RefuseNestedOpen;
    AVDictionary* raw_options = nullptr;
    av_dict_set(&raw_options, "format_whitelist", kFormatWhitelist, 0);
    av_dict_set(&raw_options, "protocol_whitelist", kProtocolWhitelist, 0);
    int rc = avformat_open_input(&ctx, "", detected, &raw_options);
    std::unique_ptr<AVDictionary, DictionaryFreer> options(raw_options);
    if (rc < 0) {  // ctx was freed
      FailRead(code::kCorruptContainer, absl::StrCat("the container does not open: ", AvError(rc),
                                                     rc == AVERROR_INVALIDDATA ? " (index missing or damaged)" : ""));
      return false;
    }
    ctx_.reset(ctx);
    open_jump_ = source_.furthest_jump();
    return true;
  }

  // A failure while reading: the source's own reason (timeout, byte limit, a server fault)
  // when it has one, else `code` and `message`.
  void FailRead(const char* fallback_code, std::string message) {
    if (!source_.read_failure().empty()) {
      Fail(report_, source_.read_failure_code(), source_.read_failure());
    } else {
      Fail(report_, fallback_code, std::move(message));
    }
    if (!refused_url_.empty()) {
      Fail(report_, code::kExternalReference,
           absl::StrCat("the file asks for another URL (", refused_url_, "): refused, nothing was fetched"));
    }
  }

  bool InspectStreams() {
    AVFormatContext* ctx = ctx_.get();
    bool mov = std::string_view(ctx->iformat->name).starts_with("mov");
    if (mov) {
      const AVDictionaryEntry* brand = av_dict_get(ctx->metadata, "major_brand", nullptr, 0);
      bool quicktime = brand != nullptr && std::string_view(brand->value).starts_with("qt");
      facts_.set_container(quicktime ? "quicktime" : "mp4");
      if (quicktime) {
        Warn(report_, code::kQuickTime, "a QuickTime .mov (brand 'qt  '): Firefox and some Chrome builds will not play it");
      }
    } else {
      bool webm = std::all_of(ctx->streams, ctx->streams + ctx->nb_streams,
                              [](const AVStream* s) { return IsWebmCodec(s->codecpar->codec_id); });
      facts_.set_container(webm ? "webm" : "matroska");
      if (!webm) {
        Warn(report_, code::kMatroska, "Matroska with codecs WebM does not allow: Safari and Firefox may not play it");
      }
    }
    video_index_ = av_find_best_stream(ctx, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    if (video_index_ >= 0 && (ctx->streams[video_index_]->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
      video_index_ = -1;  // cover art, not a video
    }
    audio_index_ = av_find_best_stream(ctx, AVMEDIA_TYPE_AUDIO, -1, video_index_, nullptr, 0);
    if (audio_index_ >= 0) {
      CheckAudioCodec(ctx->streams[audio_index_]->codecpar);
    }
    int64_t duration = ctx->duration;
    if (duration == AV_NOPTS_VALUE && video_index_ >= 0) {
      const AVStream* stream = ctx->streams[video_index_];
      if (stream->duration != AV_NOPTS_VALUE) {
        duration = av_rescale_q(stream->duration, stream->time_base, AV_TIME_BASE_Q);
      }
    }
    if (!TimesInRange(duration)) return false;
    duration_seconds_ = duration == AV_NOPTS_VALUE ? 0.0 : static_cast<double>(duration) / AV_TIME_BASE;
    *facts_.mutable_duration() = google::protobuf::util::TimeUtil::MicrosecondsToDuration(
        duration == AV_NOPTS_VALUE ? 0 : duration);
    CheckFaststart(mov);
    if (video_index_ < 0) {
      Fail(report_, code::kNoVideo,
           audio_index_ >= 0 ? "audio only: there is no video stream" : "there is no video stream");
      return false;
    }
    if (duration_seconds_ <= 0) {
      Fail(report_, code::kZeroDuration, "the container gives no positive duration");
    }
    const AVCodecParameters* video = ctx->streams[video_index_]->codecpar;
    facts_.set_video_codec(avcodec_get_name(video->codec_id));
    char tag[AV_FOURCC_MAX_STRING_SIZE] = {};
    av_fourcc_make_string(tag, video->codec_tag);
    facts_.set_codec_tag(video->codec_tag == 0 ? "" : tag);
    facts_.set_width(video->width);
    facts_.set_height(video->height);
    if (video->width > limits_.max_video_dimension || video->height > limits_.max_video_dimension) {
      Fail(report_, code::kVideoTooLarge,
           absl::StrCat("frames of ", video->width, "x", video->height, " exceed the limit of ",
                        limits_.max_video_dimension, " pixels a side"));
      return false;
    }
    switch (video->codec_id) {
      case AV_CODEC_ID_H264:
      case AV_CODEC_ID_VP8:
      case AV_CODEC_ID_VP9:
        break;
      case AV_CODEC_ID_HEVC:
        if (video->codec_tag == MKTAG('h', 'e', 'v', '1')) {
          Fail(report_, code::kHevcHev1,
               "HEVC tagged 'hev1': Safari refuses it and other browsers play HEVC only with hardware decoding; "
               "remux with -tag:v hvc1, or better re-encode to H.264");
        } else {
          Warn(report_, code::kHevc,
               "HEVC: plays only where the device decodes it in hardware (Safari, recent Chrome and Edge)");
        }
        break;
      case AV_CODEC_ID_AV1:
        Warn(report_, code::kPartialSupport, "AV1: older Safari and iOS devices cannot play it");
        break;
      default:
        Fail(report_, code::kUnsupportedCodec,
             absl::StrCat(CodecLongName(video->codec_id), " video: no mainstream browser plays it"));
    }
    return true;
  }

  // The duration (microseconds) and the video's start, as the container states them: false,
  // with a finding, when one is out of range.
  bool TimesInRange(int64_t duration) {
    auto out_of_range = [](double seconds) { return !(std::abs(seconds) <= kMaxMediaSeconds); };  // NaN too
    double seconds = static_cast<double>(duration) / AV_TIME_BASE;
    if (duration != AV_NOPTS_VALUE && out_of_range(seconds)) {
      Fail(report_, code::kTimeOutOfRange,
           absl::StrCat("the container claims a duration of ", absl::SixDigits(seconds),
                        " s, more than a year: a crafted or broken header; not read further"));
      return false;
    }
    if (video_index_ < 0) return true;
    const AVStream* video = ctx_->streams[video_index_];
    double start = Seconds(video->start_time, video->time_base);
    if (video->start_time != AV_NOPTS_VALUE && out_of_range(start)) {
      Fail(report_, code::kTimeOutOfRange,
           absl::StrCat("the video claims to start at ", absl::SixDigits(start),
                        " s, more than a year in: a crafted or broken header; not read further"));
      return false;
    }
    return true;
  }

  void CheckAudioCodec(const AVCodecParameters* audio) {
    facts_.set_audio_codec(avcodec_get_name(audio->codec_id));
    facts_.set_audio_channels(audio->ch_layout.nb_channels);
    switch (audio->codec_id) {
      case AV_CODEC_ID_AAC:
      case AV_CODEC_ID_MP3:
        break;
      case AV_CODEC_ID_OPUS:
        if (audio->ch_layout.nb_channels > 2) {
          Warn(report_, code::kPartialSupport, "Opus with more than 2 channels: Safari may not play the sound");
        }
        break;
      case AV_CODEC_ID_VORBIS:
      case AV_CODEC_ID_FLAC:
        Warn(report_, code::kPartialSupport,
             absl::StrCat(CodecLongName(audio->codec_id), " audio: Safari plays it unreliably"));
        break;
      default:
        Fail(report_, code::kUnsupportedAudio,
             absl::StrCat(CodecLongName(audio->codec_id), " audio: browsers do not play it"));
    }
  }

  void CheckFaststart(bool mov) {
    std::optional<bool> index_first =
        mov ? MoovBeforeMdat(source_.head()) : std::optional<bool>(open_jump_ == 0);
    facts_.set_faststart(index_first.value_or(true));
    if (index_first == false) {
      std::string message =
          mov ? "the index (moov) comes after the media data: a browser must fetch the end of the file before it can "
                "start; fix without re-encoding: ffmpeg -i in.mp4 -c copy -movflags +faststart out.mp4"
              : "the index (Cues) is at the end of the file: a browser seeks there before it can start";
      if (target_.role == "hero_cut") {
        Fail(report_, code::kNotFaststart, message);
      } else {
        Warn(report_, code::kNotFaststart, message);
      }
    }
  }

  // The index says where every sample is: if it points past the end of the file, the file
  // was cut short even when its head is fine.
  void CheckIndex() {
    int64_t data_end = 0;
    for (unsigned i = 0; i < ctx_->nb_streams; ++i) {
      AVStream* stream = ctx_->streams[i];
      int entries = avformat_index_get_entries_count(stream);
      for (int e = 0; e < entries; ++e) {
        const AVIndexEntry* entry = avformat_index_get_entry(stream, e);
        if (entry->size < 0) {
          continue;  // a crafted size places nothing (and would overflow the guard below)
        }
        // Offsets come from the file: an entry near 2^63 must not wrap around to a small end.
        int64_t end = entry->pos > std::numeric_limits<int64_t>::max() - entry->size
                          ? std::numeric_limits<int64_t>::max()
                          : entry->pos + entry->size;
        data_end = std::max(data_end, end);
      }
    }
    if (data_end > source_.size()) {
      Fail(report_, code::kTruncated,
           absl::StrCat("the index places media data up to byte ", data_end, " but the file ends at byte ",
                        source_.size(), ": it was cut short"));
    }
  }

  // Feeds one packet (or a flush) to a decoder and takes every frame it gives.
  void Decode(Decoder& decoder, const AVPacket* packet, bool video) {
    int rc = avcodec_send_packet(decoder.ctx.get(), packet);
    if (rc < 0 && rc != AVERROR_EOF) {
      ++decoder.errors;
      decoder.last_error = AvError(rc);
      return;
    }
    while (true) {
      rc = avcodec_receive_frame(decoder.ctx.get(), frame_.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
      if (rc < 0) {
        ++decoder.errors;
        decoder.last_error = AvError(rc);
        return;
      }
      ++decoder.frames;
      decoder.last_time = Seconds(frame_->best_effort_timestamp, decoder.time_base);
      if (video && decoder.frames == 1 && pixel_format_ == AV_PIX_FMT_NONE) {
        pixel_format_ = static_cast<AVPixelFormat>(frame_->format);
        profile_ = decoder.ctx->profile;
      }
      if (target_.deep) {
        if (video) {
          monitor_.OnVideoFrame(frame_.get(), decoder.last_time);
        } else {
          monitor_.OnAudioFrame(frame_.get(), decoder.last_time);
        }
      }
      av_frame_unref(frame_.get());
    }
  }

  bool HeadDone() const {
    bool audio_done = !audio_.ctx || audio_.frames >= 1;
    if (!target_.deep) return video_.frames >= kHeadVideoFrames && audio_done;
    double window = std::min(kDeepWindowSeconds, duration_seconds_) - 0.1;
    return video_.last_time >= window && (!audio_.ctx || audio_.last_time >= window);
  }

  bool DecodeHead() {
    video_ = OpenDecoder(ctx_->streams[video_index_], limits_);
    if (!video_.ctx) {
      Warn(report_, code::kDecoderMissing,
           absl::StrCat("cannot decode ", facts_.video_codec(), " here (", video_.last_error,
                        "): decodability not checked"));
      return false;
    }
    if (audio_index_ >= 0) {
      audio_ = OpenDecoder(ctx_->streams[audio_index_], limits_);
    }
    packet_.reset(av_packet_alloc());
    frame_.reset(av_frame_alloc());
    int rc = 0;
    for (int packets = 0; packets < kMaxHeadPackets && !HeadDone(); ++packets) {
      rc = av_read_frame(ctx_.get(), packet_.get());
      if (rc < 0) break;
      if (packet_->stream_index == video_index_) {
        Decode(video_, packet_.get(), true);
      } else if (packet_->stream_index == audio_index_ && audio_.ctx) {
        Decode(audio_, packet_.get(), false);
      }
      av_packet_unref(packet_.get());
    }
    if (rc == AVERROR_EOF) {  // short file: drain what the decoders hold back
      Decode(video_, nullptr, true);
      if (audio_.ctx) Decode(audio_, nullptr, false);
    }
    facts_.set_video_frames_decoded(video_.frames);
    facts_.set_audio_frames_decoded(audio_.frames);
    if (rc < 0 && rc != AVERROR_EOF && !source_.read_failure().empty()) {
      FailRead(code::kUndecodable, "");
      return false;
    }
    if (video_.frames == 0) {
      Fail(report_, code::kUndecodable,
           absl::StrCat("no video frame decodes from the start of the file",
                        video_.last_error.empty() ? "" : ": " + video_.last_error));
      return false;
    }
    if (video_.errors > 0) {
      Warn(report_, code::kDecodeErrors,
           absl::StrCat(video_.errors, " decoding errors in the first frames: ", video_.last_error));
    }
    if (audio_.ctx && audio_.frames == 0) {
      Fail(report_, code::kUndecodable, absl::StrCat("the sound does not decode: ",
                                                     audio_.last_error.empty() ? "no frame" : audio_.last_error));
    }
    return true;
  }

  void CheckFrameFormat() {
    const char* format_name = av_get_pix_fmt_name(pixel_format_);
    facts_.set_pixel_format(format_name == nullptr ? "" : format_name);
    const AVCodecID codec = ctx_->streams[video_index_]->codecpar->codec_id;
    const char* profile_name = avcodec_profile_name(codec, profile_);
    facts_.set_video_profile(profile_name == nullptr ? "" : profile_name);
    bool plain_420 = pixel_format_ == AV_PIX_FMT_YUV420P || pixel_format_ == AV_PIX_FMT_YUVJ420P;
    if (codec == AV_CODEC_ID_H264) {
      if (!plain_420) {
        Fail(report_, code::kUnsupportedPixfmt,
             absl::StrCat("H.264 ", facts_.video_profile(), " in ", facts_.pixel_format(),
                          ": only 8-bit 4:2:0 H.264 plays in every browser (Firefox and Safari refuse the rest)"));
      } else if (profile_ != FF_PROFILE_H264_BASELINE && profile_ != FF_PROFILE_H264_CONSTRAINED_BASELINE &&
                 profile_ != FF_PROFILE_H264_MAIN && profile_ != FF_PROFILE_H264_HIGH) {
        Fail(report_, code::kUnsupportedProfile,
             absl::StrCat("H.264 profile ", facts_.video_profile(), ": browsers play Baseline, Main and High"));
      }
    } else if ((codec == AV_CODEC_ID_VP9 || codec == AV_CODEC_ID_VP8) && !plain_420) {
      Fail(report_, code::kUnsupportedPixfmt,
           absl::StrCat(facts_.video_codec(), " in ", facts_.pixel_format(), ": browsers play 8-bit 4:2:0"));
    }
  }

  // A frame near the end must decode: a file cut short fails here even when its head is fine.
  void DecodeTail() {
    AVStream* stream = ctx_->streams[video_index_];
    double target = std::max(0.0, duration_seconds_ - kTailSeconds);
    int64_t timestamp = av_rescale_q(static_cast<int64_t>(target * AV_TIME_BASE), AV_TIME_BASE_Q, stream->time_base);
    if (stream->start_time != AV_NOPTS_VALUE) timestamp += stream->start_time;
    int rc = av_seek_frame(ctx_.get(), video_index_, timestamp, AVSEEK_FLAG_BACKWARD);
    if (rc < 0) {
      FailRead(code::kTruncated, absl::StrCat("cannot seek to ", absl::SixDigits(target), " s: ", AvError(rc)));
      return;
    }
    avcodec_flush_buffers(video_.ctx.get());
    int before = video_.frames;
    for (int packets = 0; packets < kMaxTailPackets && video_.frames == before; ++packets) {
      rc = av_read_frame(ctx_.get(), packet_.get());
      if (rc < 0) break;
      if (packet_->stream_index == video_index_) {
        Decode(video_, packet_.get(), true);
      }
      av_packet_unref(packet_.get());
    }
    if (video_.frames == before && rc == AVERROR_EOF) {
      Decode(video_, nullptr, true);
    }
    facts_.set_video_frames_decoded(video_.frames);
    if (video_.frames == before) {
      FailRead(code::kTruncated,
               absl::StrCat("no frame near the end (", absl::SixDigits(target), " s of ",
                            absl::SixDigits(duration_seconds_), " s) decodes",
                            rc < 0 ? ": " + AvError(rc) : std::string()));
    }
  }

  RangeSource& source_;
  const ProbeTarget& target_;
  const ProbeLimits& limits_;
  SourceReport& report_;
  v1::MediaFacts& facts_;
  std::string refused_url_;
  std::unique_ptr<AVIOContext, IoFreer> io_;  // outlives ctx_, declared first
  std::unique_ptr<AVFormatContext, FormatCloser> ctx_;
  std::unique_ptr<AVPacket, PacketFreer> packet_;
  std::unique_ptr<AVFrame, FrameFreer> frame_;
  int64_t open_jump_ = 0;
  int video_index_ = -1;
  int audio_index_ = -1;
  double duration_seconds_ = 0;
  Decoder video_, audio_;
  AVPixelFormat pixel_format_ = AV_PIX_FMT_NONE;
  int profile_ = FF_PROFILE_UNKNOWN;
  OpeningMonitor monitor_;
};

}  // namespace

void CheckVideo(RangeSource& source, const ProbeTarget& target, const ProbeLimits& limits, SourceReport& report) {
  VideoProbe(source, target, limits, report).Run();
}

}  // namespace curation::probe
