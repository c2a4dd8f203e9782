/**
 * The payee of scenario 1, as a browser without JavaScript would act: submits the sandbox's payee page at
 * `connectUrl` with bank details and follows the redirect back to our ingress's return page.
 */
export async function payeeFillsTheLink(
  connectUrl: string,
  details: { name: string; iban: string; bic: string },
): Promise<{ submittedStatus: number; returnPage: Response; returnUrl: URL }> {
  const submitted = await fetch(connectUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(details),
    redirect: 'manual',
  });
  const location = submitted.headers.get('location');
  if (!location) throw new Error(`the payee page answered ${submitted.status} without a redirect`);
  const returnUrl = new URL(location);
  return { submittedStatus: submitted.status, returnPage: await fetch(returnUrl), returnUrl };
}
