// Entry point of tskeepalived's native addon: registers each part's functions.
#include "common.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tska::InitProcess(env, exports);
  return exports;
}

NODE_API_MODULE(tskeepalived_native, Init)
