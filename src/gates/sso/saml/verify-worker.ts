/** The worker thread's entry (piscina): one ACS response check per task. */
import { checkResponse } from './check-response.ts';

export default checkResponse;
