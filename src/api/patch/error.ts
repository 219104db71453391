// How a patch fails, as kube-apiserver reports it (staging/src/k8s.io/apiserver/pkg/endpoints/
// handlers/patch.go). `message` is the Status message a client sees; `detail` keeps the library's
// own text, which kube sometimes drops from the answer but logs.
//
//   400 BadRequest            the body does not decode as that patch type; SMP directives in a bad
//                             format ($retainKeys, $setElementOrder, $deleteFromPrimitiveList);
//                             a merge patch that is `null`
//   413 RequestEntityTooLarge a JSON patch of more than 10000 operations
//   422 Invalid               a JSON patch operation that does not apply; an SMP list of lists.
//                             kube answers through NewGenericServerResponse, which keeps only its
//                             generic text, so `message` is that text and the reason is in `detail`
//   500 (no reason)           every other strategic merge error (a missing merge key, an unknown
//                             $patch, ...): patch.go passes it up as a plain error and
//                             responsewriters.ErrorToAPIStatus makes it a 500 with the error's text
export type PatchErrorCode = 400 | 413 | 422 | 500;
export type PatchErrorReason = 'BadRequest' | 'RequestEntityTooLarge' | 'Invalid' | undefined;

/** The message of k8s.io/apimachinery/pkg/api/errors.NewGenericServerResponse for a 422. */
export const GENERIC_422_MESSAGE = 'the server rejected our request due to an error in our request';

export class PatchError extends Error {
  private constructor(
    readonly code: PatchErrorCode,
    readonly reason: PatchErrorReason,
    message: string,
    readonly detail: string = message,
  ) {
    super(message);
    this.name = 'PatchError';
  }

  static badRequest(message: string): PatchError {
    return new PatchError(400, 'BadRequest', message);
  }

  static tooLarge(message: string): PatchError {
    return new PatchError(413, 'RequestEntityTooLarge', `Request entity too large: ${message}`);
  }

  static invalid(detail: string): PatchError {
    return new PatchError(422, 'Invalid', GENERIC_422_MESSAGE, detail);
  }

  static internal(message: string): PatchError {
    return new PatchError(500, undefined, message);
  }
}
