import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { CONTACTS, createDivision, expectGenesysError, ok } from '../helpers/http.js';
import { useTestKith } from '../helpers/kith.js';
import type { ContactView, Listing } from '../helpers/contacts.js';
import {
  IMPORT,
  importCsv,
  importSettings,
  reportRows,
  tempDataDir,
  uploadCsv,
  waitForJob,
  type JobView,
} from '../helpers/imports.js';

const HEADER =
  'firstName,lastName,workPhone,cellPhone,workEmail,personalEmail,externalId,externalOrganization.name,address.city';

for (const dialect of DIALECTS) {
  describe(`CSV import over HTTP (${dialect})`, () => {
    const kith = useTestKith(dialect, { env: { KITH_DATA_DIR: tempDataDir() } });

    async function search(q: string): Promise<ContactView[]> {
      return ok<Listing<ContactView>>(
        await kith.request('GET', `${CONTACTS}?q=${encodeURIComponent(q)}`),
      ).entities;
    }

    it('validates every row first, waits for Continue, then imports and reports the rest', async () => {
      const { settingsId } = await importSettings(kith);
      const csv = [
        HEADER,
        'Ada,Lovelace,(317) 555-0101,+44 7911 123456,ada.import@example.com,,crm-1,Analytical Engines,London',
        'Grace,Hopper,317-555-0102,,grace.import@example.com,,crm-2,,',
        'Bad,Email,,,not-an-email,,crm-3,,',
        'Short,Row',
        '',
        'Alan,Turing,,,alan.import@example.com,,crm-4,Analytical Engines,',
      ].join('\n');
      const { dryRun, job } = await importCsv(kith, csv, { settingsId });
      expect(dryRun).toMatchObject({
        status: 'Created',
        executionStep: 'Validated',
        metadata: { dryRunSuccessCount: 3, dryRunFailedCount: 2, fileName: 'contacts.csv' },
      });
      expect(job).toMatchObject({
        status: 'Completed',
        metadata: { importSuccessCount: 3, importFailedCount: 2 },
        progress: { createdCount: 3 },
      });
      const report = await reportRows(kith, job.metadata.importReportDownloadUrl as string);
      expect(report[0]?.slice(0, 3)).toEqual(['line', 'reason', 'firstName']);
      expect(report.slice(1).map((r) => r[0])).toEqual(['4', '5']);
      expect(report[1]?.[1]).toContain('not-an-email');
      expect(report[2]?.[1]).toContain('2 cells');

      const [ada] = await search('ada.import@example.com');
      expect(ada).toMatchObject({
        firstName: 'Ada',
        type: 'Curated',
        workPhone: { e164: '+13175550101' },
        cellPhone: { e164: '+447911123456' },
        address: { city: 'London' },
      });
      const [alan] = await search('alan.import@example.com');
      // Both rows name the same organization: one was made, both contacts link to it.
      expect(alan?.externalOrganization).toEqual(ada?.externalOrganization);
    });

    it('creates nothing twice when the same file is imported again', async () => {
      const { settingsId } = await importSettings(kith);
      const csv = `firstName,lastName,workEmail\nRe,Run,rerun@example.com\nNo,Key,\n`;
      const first = await importCsv(kith, csv, { settingsId });
      expect(first.job.progress.createdCount).toBe(2);
      const second = await importCsv(kith, csv, { settingsId });
      expect(second.job).toMatchObject({
        status: 'Completed',
        metadata: { importSuccessCount: 2, importFailedCount: 0 },
        progress: { createdCount: 0, unchangedCount: 2 },
      });
      expect(await search('rerun@example.com')).toHaveLength(1);
      expect((await search('No')).filter((c) => c.lastName === 'Key')).toHaveLength(1);
    });

    it('updates the contact a row matches by external id, then by email', async () => {
      const { settingsId } = await importSettings(kith);
      await importCsv(
        kith,
        `firstName,workEmail,externalId\nOne,match1@example.com,m-1\nTwo,match2@example.com,m-2\n`,
        { settingsId },
      );
      const { job } = await importCsv(
        kith,
        `firstName,lastName,workEmail,externalId\nById,One,new1@example.com,m-1\nByEmail,Two,match2@example.com,\n`,
        { settingsId },
      );
      expect(job.progress).toMatchObject({ createdCount: 0, updatedCount: 2 });
      expect(await search('new1@example.com')).toMatchObject([
        { firstName: 'ById', lastName: 'One' },
      ]);
      expect(await search('match2@example.com')).toMatchObject([
        { firstName: 'ByEmail', lastName: 'Two' },
      ]);
    });

    it('reads phone numbers without a country code in the job default country', async () => {
      const { settingsId } = await importSettings(kith);
      await importCsv(
        kith,
        `firstName,workPhone,workEmail\nBrit,020 7946 0958,brit@example.com\n`,
        {
          settingsId,
          defaultCountry: 'GB',
        },
      );
      const [brit] = await search('brit@example.com');
      expect(brit?.workPhone).toMatchObject({ e164: '+442079460958', countryCode: 'GB' });
    });

    it('imports into the division the job names', async () => {
      const { settingsId } = await importSettings(kith);
      const division = await createDivision(kith, `Imports ${dialect}`);
      await importCsv(kith, `firstName,workEmail\nDiv,division.import@example.com\n`, {
        settingsId,
        division,
      });
      const [contact] = await search('division.import@example.com');
      expect(contact?.division).toMatchObject({ id: division });
    });

    it('fails a job whose file has no header line, saying so', async () => {
      const { settingsId } = await importSettings(kith);
      const { job } = await importCsv(kith, `Ada,Lovelace,ada@example.com\n`, { settingsId });
      expect(job.status).toBe('Failed');
      expect(job.statusDetails).toContain('is the header line missing');
    });

    it('reads any common separator, and fails a job whose separator it cannot tell, naming the line', async () => {
      const { settingsId } = await importSettings(kith);
      const piped = await importCsv(kith, 'firstName|workEmail\nPipe|pipe.sep@example.com\n', {
        settingsId,
      });
      expect(piped.job).toMatchObject({ status: 'Completed', progress: { createdCount: 1 } });
      const spaced = await importCsv(kith, 'firstName workEmail\nSpace space.sep@example.com\n', {
        settingsId,
      });
      expect(spaced.job.status).toBe('Failed');
      expect(spaced.job.statusDetails).toContain('line 1');
      expect(spaced.job.statusDetails).toContain('firstName workEmail');
      expect(await search('space.sep@example.com')).toEqual([]);
    });

    it('fails a job whose file is not UTF-8, naming the byte', async () => {
      const { settingsId } = await importSettings(kith);
      const latin1 = Buffer.concat([
        Buffer.from('firstName,lastName\nJos'),
        Buffer.from([0xe9]),
        Buffer.from(',X\n'),
      ]);
      const { job } = await importCsv(kith, latin1, { settingsId });
      expect(job.status).toBe('Failed');
      expect(job.statusDetails).toMatch(/not UTF-8: byte 23/);
    });

    it('fails a job on an unbalanced quote, with its line', async () => {
      const { settingsId } = await importSettings(kith);
      const { job } = await importCsv(kith, `firstName,lastName\nA,B\nC,"open\nD,E\n`, {
        settingsId,
      });
      expect(job.status).toBe('Failed');
      expect(job.statusDetails).toContain('never closed');
    });

    it('validates every row before a fault further down the file, over several batches', async () => {
      const { settingsId } = await importSettings(kith);
      const rows = Array.from({ length: 2500 }, (_, i) => `First${i},Last${i}`);
      const { job } = await importCsv(
        kith,
        `firstName,lastName\n${rows.join('\n')}\nC,"open\nD,E\n`,
        { settingsId },
      );
      expect(job.status).toBe('Failed');
      expect(job.statusDetails).toContain('never closed');
      // Two batches (2,000 and 500 rows) were read before the quote was found never closed.
      expect(job.metadata.dryRunSuccessCount).toBe(2500);
    });

    it('reports a row whose cell is longer than its field allows, and imports the others', async () => {
      const { settingsId } = await importSettings(kith);
      const long = 'x'.repeat(100_000);
      const { job } = await importCsv(kith, `firstName,lastName\n${long},Long\nShort,Fine\n`, {
        settingsId,
      });
      expect(job).toMatchObject({
        status: 'Completed',
        metadata: { importSuccessCount: 1, importFailedCount: 1 },
      });
      const report = await reportRows(kith, job.metadata.importReportDownloadUrl as string);
      expect(report[1]?.[0]).toBe('2');
      expect(report[1]?.[1]).toContain('100000');
    });

    it('refuses an empty upload and a file larger than announced', async () => {
      const announced = ok<{ uploadUrl: string }>(
        await kith.request('POST', `${IMPORT}/csv/uploads`, {
          body: { fileName: 'x.csv', fileSize: 5 },
        }),
      );
      const path = new URL(announced.uploadUrl).pathname;
      const big = await kith.app.inject({
        method: 'PUT',
        url: path,
        headers: { 'content-type': 'text/csv' },
        payload: 'firstName\nmore than five bytes\n',
      });
      expectGenesysError(big, 413);
      const empty = await kith.request('POST', `${IMPORT}/csv/uploads`, { body: { fileSize: 0 } });
      expectGenesysError(empty, 400);
      expect(empty.json<{ message: string }>().message).toContain('fileSize');
    });

    it('previews an upload and details every line that is not a row', async () => {
      const { uploadId } = await uploadCsv(kith, `firstName;lastName\nA;B\nC\nD;E\n`);
      const preview = ok<{ headers: string[]; entries: string[][] }>(
        await kith.request('GET', `${IMPORT}/csv/uploads/${uploadId}/preview`),
      );
      expect(preview).toMatchObject({
        headers: ['firstName', 'lastName'],
        entries: [['A', 'B'], ['C'], ['D', 'E']],
      });
      const details = ok<{
        validationResult: {
          separatorValid: boolean;
          fileEncodingValid: boolean;
          errors: { lineNumber: number }[];
        };
      }>(await kith.request('GET', `${IMPORT}/csv/uploads/${uploadId}/details`));
      expect(details.validationResult).toMatchObject({
        separatorValid: true,
        fileEncodingValid: true,
      });
      expect(details.validationResult.errors.map((e) => e.lineNumber)).toEqual([3]);
    });

    it('maps columns through CSV settings', async () => {
      const { settingsId } = await importSettings(kith);
      const csvSettings = ok<{ id: string }>(
        await kith.request('POST', `${IMPORT}/csv/settings`, {
          body: {
            externalSettingsId: settingsId,
            mappings: [
              { sourceField: 'Given Name', targetField: 'firstName' },
              { sourceField: 'E-mail', targetField: 'workEmail' },
            ],
          },
        }),
      );
      const { job } = await importCsv(
        kith,
        `Given Name,E-mail,Ignored\nMapped,mapped@example.com,zzz\n`,
        {
          settingsId,
          csvSettingsId: csvSettings.id,
        },
      );
      expect(job.status).toBe('Completed');
      expect((await search('mapped@example.com'))[0]?.firstName).toBe('Mapped');
    });

    it('cancels a validated job, and retries nothing that has not failed', async () => {
      const { settingsId } = await importSettings(kith);
      const { uploadId } = await uploadCsv(kith, `firstName\nCancel\n`);
      const created = ok<{ job: { id: string } }>(
        await kith.request('POST', `${IMPORT}/csv/jobs`, { body: { uploadId, settingsId } }),
      );
      await waitForJob(kith, created.job.id);
      const retry = await kith.request('PUT', `${IMPORT}/jobs/${created.job.id}`, {
        body: { jobId: created.job.id, status: 'Retry' },
      });
      expectGenesysError(retry, 409);
      ok(
        await kith.request('PUT', `${IMPORT}/jobs/${created.job.id}`, {
          body: { jobId: created.job.id, status: 'Cancel' },
        }),
      );
      const job = ok<JobView>(await kith.request('GET', `${IMPORT}/jobs/${created.job.id}`));
      expect(job.status).toBe('Cancelled');
      const listed = ok<{ entities: JobView[] }>(
        await kith.request('GET', `${IMPORT}/jobs?jobStatus=Cancelled`),
      );
      expect(listed.entities.map((j) => j.id)).toContain(created.job.id);
    });

    it('offers a sample file whose every column imports', async () => {
      const res = await kith.request('GET', `${IMPORT}/csv/sample`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/csv');
      const { settingsId } = await importSettings(kith);
      const { job } = await importCsv(kith, res.body, { settingsId });
      expect(job).toMatchObject({
        status: 'Completed',
        metadata: { importSuccessCount: 2, importFailedCount: 0 },
      });
      const [ada] = await search('ada@example.com');
      expect(ada).toMatchObject({
        firstName: 'Ada',
        workPhone: { e164: '+442079460958' },
        cellPhone: { e164: '+13175550123' },
        externalOrganization: { id: expect.any(String) },
      });
    });
  });
}
