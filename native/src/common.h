// Shared helpers for the addon: errno-shaped JS errors and each part's init function.
#pragma once
#include <napi.h>
#include <cerrno>
#include <cstring>
#include <string>

namespace tska {

// Builds an Error with .code = "E<NAME>", .errno and .syscall, like Node's own system errors.
inline Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall) {
  Napi::Error e = Napi::Error::New(env, std::string(syscall) + ": " + std::strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  const char* name = strerrorname_np(err);
  e.Set("code", Napi::String::New(env, name ? name : "EUNKNOWN"));
  return e;
}

inline void ThrowErrno(Napi::Env env, int err, const char* syscall) {
  ErrnoError(env, err, syscall).ThrowAsJavaScriptException();
}

inline void ThrowType(Napi::Env env, const char* what) {
  Napi::TypeError::New(env, what).ThrowAsJavaScriptException();
}

void InitProcess(Napi::Env env, Napi::Object exports);
void InitSched(Napi::Env env, Napi::Object exports);
void InitSocket(Napi::Env env, Napi::Object exports);

}  // namespace tska
