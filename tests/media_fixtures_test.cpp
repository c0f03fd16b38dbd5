// Checks the media fixtures themselves, so that a prober test failing on one of them points at the
// prober and not at a fixture that is not what its name says.

#include "media_fixtures.hpp"

#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace curation::testing {
namespace {

namespace fs = std::filesystem;

uint32_t BigEndian32(std::string_view bytes, size_t offset) {
  uint32_t value = 0;
  for (size_t i = 0; i < 4; ++i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[offset + i]);
  }
  return value;
}

struct Box {
  std::string type;
  uint64_t offset;
  uint64_t size;
  bool cut;  // runs past the end of the bytes (a truncated file)
};

// The top-level ISO BMFF boxes, in file order. Stops after a box that runs past the end.
std::vector<Box> TopLevelBoxes(std::string_view bytes) {
  std::vector<Box> boxes;
  uint64_t offset = 0;
  while (offset + 8 <= bytes.size()) {
    uint64_t size = BigEndian32(bytes, offset);
    std::string type(bytes.substr(offset + 4, 4));
    if (size == 1 && offset + 16 <= bytes.size()) {  // 64-bit "largesize" follows the type
      size = (uint64_t{BigEndian32(bytes, offset + 8)} << 32) | BigEndian32(bytes, offset + 12);
    } else if (size == 0) {  // box extends to the end of the file
      size = bytes.size() - offset;
    }
    if (size < 8) {
      break;  // not a box structure at all
    }
    bool cut = offset + size > bytes.size();
    boxes.push_back({type, offset, size, cut});
    if (cut) {
      break;
    }
    offset += size;
  }
  return boxes;
}

std::string BoxTypes(const std::vector<Box>& boxes) {
  std::string types;
  for (const Box& box : boxes) {
    types += (types.empty() ? "" : " ") + box.type + (box.cut ? "(cut)" : "");
  }
  return types;
}

int IndexOf(const std::vector<Box>& boxes, std::string_view type) {
  for (size_t i = 0; i < boxes.size(); ++i) {
    if (boxes[i].type == type) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

bool StartsWith(std::string_view bytes, std::string_view prefix) { return bytes.substr(0, prefix.size()) == prefix; }
bool EndsWith(std::string_view bytes, std::string_view suffix) {
  return bytes.size() >= suffix.size() && bytes.substr(bytes.size() - suffix.size()) == suffix;
}

const std::string_view kJpegStart("\xFF\xD8\xFF", 3);
const std::string_view kJpegEnd("\xFF\xD9", 2);

// Runs first (tests run in file order): the first Get() pays for encoding; print what it cost.
TEST(MediaFixturesTest, EncodesTheSetOnce) {
  auto start = std::chrono::steady_clock::now();
  const MediaFixtures& media = MediaFixtures::Get();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("media fixtures: %zu files in %s, first Get() took %.2f s\n", media.Names().size(), media.dir().c_str(),
              seconds);
  EXPECT_EQ(&media, &MediaFixtures::Get());
}

TEST(MediaFixturesTest, GetIsSharedAcrossThreads) {
  std::vector<const MediaFixtures*> seen(4);
  std::vector<std::thread> threads;
  for (auto& slot : seen) {
    threads.emplace_back([&slot] { slot = &MediaFixtures::Get(); });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  for (const MediaFixtures* media : seen) {
    EXPECT_EQ(media, &MediaFixtures::Get());
  }
}

TEST(MediaFixturesTest, EveryFixtureIsOnDiskWithItsContentType) {
  const MediaFixtures& media = MediaFixtures::Get();
  const std::vector<std::string> expected = {
      "audio_only.mp4",          "black_silent.mp4",          "empty.mp4",
      "error_page.mp4",          "h264_422.mp4",              "h264_faststart.mp4",
      "h264_high10.mp4",         "h264_huge_duration.mp4",    "h264_moov_at_end.mp4",
      "hevc_hev1.mp4",           "hevc_hvc1.mp4",             "mpeg4_part2.mp4",
      "not_an_image.jpg",        "poster.jpg",                "poster_corrupt.jpg",
      "poster_flat.jpg",         "poster_huge.png",           "poster_truncated.jpg",
      "thumbnail.webp",          "truncated_faststart.mp4",   "truncated_moov_at_end.mp4",
      "vp9_opus.webm",
  };

  ASSERT_EQ(media.Names(), expected);
  for (const std::string& name : media.Names()) {
    SCOPED_TRACE(name);
    const MediaFixture& fixture = media[name];
    EXPECT_EQ(fixture.name, name);
    EXPECT_EQ(fixture.path, media.dir() + "/" + name);
    std::ifstream in(fixture.path, std::ios::binary);
    ASSERT_TRUE(in) << fixture.path;
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), fixture.bytes);
    EXPECT_EQ(fixture.bytes.empty(), name == "empty.mp4");
    EXPECT_LT(fixture.bytes.size(), 400U * 1024) << "fixtures are meant to be small";
  }
  EXPECT_EQ(media["h264_faststart.mp4"].content_type, "video/mp4");
  EXPECT_EQ(media["error_page.mp4"].content_type, "video/mp4");
  EXPECT_EQ(media["empty.mp4"].content_type, "video/mp4");
  EXPECT_EQ(media["vp9_opus.webm"].content_type, "video/webm");
  EXPECT_EQ(media["poster.jpg"].content_type, "image/jpeg");
  EXPECT_EQ(media["not_an_image.jpg"].content_type, "image/jpeg");
  EXPECT_EQ(media["poster_huge.png"].content_type, "image/png");
  EXPECT_EQ(media["thumbnail.webp"].content_type, "image/webp");
}

TEST(MediaFixturesTest, MagicBytes) {
  const MediaFixtures& media = MediaFixtures::Get();
  for (const char* name : {"h264_faststart.mp4", "h264_moov_at_end.mp4", "h264_high10.mp4", "h264_422.mp4",
                           "hevc_hev1.mp4", "hevc_hvc1.mp4", "mpeg4_part2.mp4", "audio_only.mp4", "black_silent.mp4",
                           "truncated_faststart.mp4", "truncated_moov_at_end.mp4"}) {
    EXPECT_EQ(media[name].bytes.substr(4, 4), "ftyp") << name;
  }
  EXPECT_TRUE(StartsWith(media["vp9_opus.webm"].bytes, "\x1A\x45\xDF\xA3")) << "EBML header";

  for (const char* name : {"poster.jpg", "poster_flat.jpg"}) {
    EXPECT_TRUE(StartsWith(media[name].bytes, kJpegStart)) << name;
    EXPECT_TRUE(EndsWith(media[name].bytes, kJpegEnd)) << name;
  }
  const std::string& truncated = media["poster_truncated.jpg"].bytes;
  EXPECT_TRUE(StartsWith(truncated, kJpegStart));
  EXPECT_FALSE(EndsWith(truncated, kJpegEnd));
  EXPECT_EQ(truncated.size(), media["poster.jpg"].bytes.size() / 2);
  EXPECT_EQ(media["truncated_faststart.mp4"].bytes.size(), media["h264_faststart.mp4"].bytes.size() / 2);
  EXPECT_EQ(media["truncated_moov_at_end.mp4"].bytes.size(), media["h264_moov_at_end.mp4"].bytes.size() / 2);

  const std::string& webp = media["thumbnail.webp"].bytes;
  EXPECT_TRUE(StartsWith(webp, "RIFF"));
  EXPECT_EQ(webp.substr(8, 4), "WEBP");

  EXPECT_TRUE(StartsWith(media["error_page.mp4"].bytes, "<!DOCTYPE html>"));
  EXPECT_FALSE(StartsWith(media["not_an_image.jpg"].bytes, kJpegStart));
}

TEST(MediaFixturesTest, TheCorruptPosterDiffersFromThePosterOnlyInTheMiddle) {
  const MediaFixtures& media = MediaFixtures::Get();
  const std::string& poster = media["poster.jpg"].bytes;
  const std::string& corrupt = media["poster_corrupt.jpg"].bytes;
  ASSERT_EQ(corrupt.size(), poster.size());
  size_t first = 0;
  while (first < poster.size() && poster[first] == corrupt[first]) ++first;
  size_t last = poster.size();
  while (last > first && poster[last - 1] == corrupt[last - 1]) --last;
  EXPECT_GE(first, poster.size() / 2);
  EXPECT_LE(last, poster.size() / 2 + 64);
  EXPECT_EQ(corrupt.substr(first, last - first).find('\xFF'), std::string::npos) << "no marker made";
}

// The movie header of h264_huge_duration.mp4, read the way a demuxer reads a version-1 mvhd.
TEST(MediaFixturesTest, TheHugeDurationMovieHeaderClaims1Point1E12Seconds) {
  const MediaFixtures& media = MediaFixtures::Get();
  const std::string& bytes = media["h264_huge_duration.mp4"].bytes;
  ASSERT_EQ(bytes.size(), media["h264_faststart.mp4"].bytes.size());
  size_t payload = bytes.find("mvhd");
  ASSERT_NE(payload, std::string::npos);
  payload += 4;
  EXPECT_EQ(bytes[payload], 1) << "version 1: 64-bit times";
  EXPECT_EQ(BigEndian32(bytes, payload + 20), 1u) << "timescale";
  uint64_t duration = uint64_t{BigEndian32(bytes, payload + 24)} << 32 | BigEndian32(bytes, payload + 28);
  EXPECT_EQ(duration, 1'100'000'000'000u);
}

TEST(MediaFixturesTest, HugePngIsValidAndSmallButDeclares20000Squared) {
  const std::string& png = MediaFixtures::Get()["poster_huge.png"].bytes;
  ASSERT_TRUE(StartsWith(png, std::string_view("\x89PNG\r\n\x1a\n", 8)));
  EXPECT_LT(png.size(), 200U * 1024);

  // Walk the chunks, checking every CRC, and inflate the IDAT data.
  size_t offset = 8;
  std::vector<std::string> types;
  std::string idat;
  while (offset + 12 <= png.size()) {
    uint32_t length = BigEndian32(png, offset);
    ASSERT_LE(offset + 12 + length, png.size());
    std::string_view type_and_data = std::string_view(png).substr(offset + 4, 4 + length);
    uint32_t crc = static_cast<uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(type_and_data.data()), static_cast<uInt>(type_and_data.size())));
    EXPECT_EQ(crc, BigEndian32(png, offset + 8 + length)) << type_and_data.substr(0, 4);
    types.emplace_back(type_and_data.substr(0, 4));
    if (types.back() == "IHDR") {
      EXPECT_EQ(BigEndian32(png, offset + 8), 20000U);
      EXPECT_EQ(BigEndian32(png, offset + 12), 20000U);
      EXPECT_EQ(png[offset + 16], 1) << "bit depth";
      EXPECT_EQ(png[offset + 17], 0) << "colour type greyscale";
    }
    if (types.back() == "IDAT") {
      idat += type_and_data.substr(4);
    }
    offset += 12 + length;
  }
  EXPECT_EQ(offset, png.size());
  EXPECT_EQ(types, (std::vector<std::string>{"IHDR", "IDAT", "IEND"}));

  z_stream stream{};
  ASSERT_EQ(inflateInit(&stream), Z_OK);
  stream.next_in = reinterpret_cast<Bytef*>(idat.data());
  stream.avail_in = static_cast<uInt>(idat.size());
  std::vector<unsigned char> buffer(1 << 20);
  uint64_t inflated = 0;
  bool all_zero = true;
  int result = Z_OK;
  while (result == Z_OK) {
    stream.next_out = buffer.data();
    stream.avail_out = static_cast<uInt>(buffer.size());
    result = inflate(&stream, Z_NO_FLUSH);
    size_t produced = buffer.size() - stream.avail_out;
    inflated += produced;
    for (size_t i = 0; i < produced; ++i) {
      all_zero = all_zero && buffer[i] == 0;
    }
  }
  inflateEnd(&stream);
  EXPECT_EQ(result, Z_STREAM_END);
  EXPECT_EQ(inflated, 20000ULL * (1 + 20000 / 8)) << "one filter byte plus 2500 bytes per row";
  EXPECT_TRUE(all_zero) << "filter type 0 and black pixels";
}

TEST(MediaFixturesTest, MoovAndMdatOrderIsAsNamed) {
  const MediaFixtures& media = MediaFixtures::Get();
  for (const char* name : {"h264_faststart.mp4", "h264_high10.mp4", "h264_422.mp4", "hevc_hev1.mp4", "hevc_hvc1.mp4",
                           "mpeg4_part2.mp4", "audio_only.mp4", "black_silent.mp4"}) {
    std::vector<Box> boxes = TopLevelBoxes(media[name].bytes);
    SCOPED_TRACE(std::string(name) + ": " + BoxTypes(boxes));
    ASSERT_FALSE(boxes.empty());
    EXPECT_EQ(boxes.front().type, "ftyp");
    ASSERT_GE(IndexOf(boxes, "moov"), 0);
    EXPECT_LT(IndexOf(boxes, "moov"), IndexOf(boxes, "mdat"));
    EXPECT_FALSE(boxes.back().cut);
  }

  std::vector<Box> at_end = TopLevelBoxes(media["h264_moov_at_end.mp4"].bytes);
  SCOPED_TRACE("h264_moov_at_end.mp4: " + BoxTypes(at_end));
  ASSERT_GE(IndexOf(at_end, "mdat"), 0);
  EXPECT_GT(IndexOf(at_end, "moov"), IndexOf(at_end, "mdat"));

  // Cut in the middle of mdat: the faststart one still has its moov, the other has none.
  std::vector<Box> cut_faststart = TopLevelBoxes(media["truncated_faststart.mp4"].bytes);
  EXPECT_GE(IndexOf(cut_faststart, "moov"), 0) << BoxTypes(cut_faststart);
  EXPECT_EQ(cut_faststart.back().type, "mdat");
  EXPECT_TRUE(cut_faststart.back().cut);
  std::vector<Box> cut_at_end = TopLevelBoxes(media["truncated_moov_at_end.mp4"].bytes);
  EXPECT_EQ(IndexOf(cut_at_end, "moov"), -1) << BoxTypes(cut_at_end);
  EXPECT_EQ(cut_at_end.back().type, "mdat");
  EXPECT_TRUE(cut_at_end.back().cut);
}

TEST(MediaFixturesTest, HlsPlaylistNamesOnlyTheUrl) {
  std::string playlist = MediaFixtures::HlsPlaylistPointingAt("http://127.0.0.1:9/secret.ts");
  EXPECT_TRUE(StartsWith(playlist, "#EXTM3U\n"));
  EXPECT_NE(playlist.find("\nhttp://127.0.0.1:9/secret.ts\n"), std::string::npos);
  EXPECT_TRUE(EndsWith(playlist, "#EXT-X-ENDLIST\n"));
}

TEST(MediaFixturesTest, UnknownNameAborts) {
  const MediaFixtures& media = MediaFixtures::Get();  // encode here, not in the death-test child
  EXPECT_DEATH(media["no_such.mp4"], "no fixture named 'no_such.mp4'; known: audio_only.mp4");
}

TEST(MediaFixturesTest, EncodeCorpusMakesDistinctFilesAndReusesThem) {
  fs::path dir = fs::temp_directory_path() / ("media_corpus_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  std::vector<MediaFixture> corpus = MediaFixtures::EncodeCorpus(dir.string(), 4);
  ASSERT_EQ(corpus.size(), 4U);
  std::set<std::string> distinct;
  for (const MediaFixture& file : corpus) {
    SCOPED_TRACE(file.name);
    distinct.insert(file.bytes);
    EXPECT_EQ(file.content_type, "video/mp4");
    EXPECT_TRUE(fs::exists(file.path));
    std::vector<Box> boxes = TopLevelBoxes(file.bytes);
    ASSERT_FALSE(boxes.empty());
    EXPECT_EQ(boxes.front().type, "ftyp");
    bool faststart = file.name.find("_faststart.mp4") != std::string::npos;
    EXPECT_EQ(IndexOf(boxes, "moov") < IndexOf(boxes, "mdat"), faststart) << BoxTypes(boxes);
  }
  EXPECT_EQ(distinct.size(), 4U);
  EXPECT_NE(corpus[0].name.find("_faststart.mp4"), std::string::npos);
  EXPECT_NE(corpus[1].name.find("_moov_at_end.mp4"), std::string::npos);
  // Only the four files: no logs or .part leftovers.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 4);

  // A second call finds the files and does not encode again.
  auto start = std::chrono::steady_clock::now();
  std::vector<MediaFixture> again = MediaFixtures::EncodeCorpus(dir.string(), 4);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
  ASSERT_EQ(again.size(), 4U);
  for (size_t i = 0; i < again.size(); ++i) {
    EXPECT_EQ(again[i].bytes, corpus[i].bytes);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace curation::testing
