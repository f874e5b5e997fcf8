/**
 * `dualwrite/runtime/cdc`: the handler factory of a `ChangeDataCapture` function (transaction log
 * tailing). Loading it builds the relay's module-scope clients and Powertools utilities, which is
 * why it is not part of `dualwrite/runtime`.
 */
export {
  type ChangeDataCaptureOptions,
  type ChangeMapper,
  type EventDraft,
  type ItemChange,
  makeChangeDataCaptureHandler,
  MapperError,
} from '../lambdas/dualwrite/cdc/change-data-capture';
