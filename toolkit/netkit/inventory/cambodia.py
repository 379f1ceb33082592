"""Cambodia's provinces and government institutions, in English and Khmer: the names the generated
national inventory uses. MPT (the national core) is not in MINISTRIES: the generator adds it itself."""

from __future__ import annotations

from typing import NamedTuple


class Name(NamedTuple):
    code: str
    en: str
    km: str


# Phnom Penh (the capital) and the 24 provinces.
PROVINCES: tuple[Name, ...] = (
    Name("pp", "Phnom Penh", "ភ្នំពេញ"),
    Name("bmc", "Banteay Meanchey", "បន្ទាយមានជ័យ"),
    Name("btb", "Battambang", "បាត់ដំបង"),
    Name("kch", "Kampong Cham", "កំពង់ចាម"),
    Name("kcn", "Kampong Chhnang", "កំពង់ឆ្នាំង"),
    Name("ksp", "Kampong Speu", "កំពង់ស្ពឺ"),
    Name("ktm", "Kampong Thom", "កំពង់ធំ"),
    Name("kpt", "Kampot", "កំពត"),
    Name("kdl", "Kandal", "កណ្ដាល"),
    Name("kep", "Kep", "កែប"),
    Name("kkg", "Koh Kong", "កោះកុង"),
    Name("krt", "Kratie", "ក្រចេះ"),
    Name("mdk", "Mondulkiri", "មណ្ឌលគិរី"),
    Name("omc", "Oddar Meanchey", "ឧត្ដរមានជ័យ"),
    Name("pln", "Pailin", "ប៉ៃលិន"),
    Name("shv", "Preah Sihanouk", "ព្រះសីហនុ"),
    Name("pvh", "Preah Vihear", "ព្រះវិហារ"),
    Name("pvg", "Prey Veng", "ព្រៃវែង"),
    Name("pst", "Pursat", "ពោធិ៍សាត់"),
    Name("rtk", "Ratanakiri", "រតនគិរី"),
    Name("srp", "Siem Reap", "សៀមរាប"),
    Name("stg", "Stung Treng", "ស្ទឹងត្រែង"),
    Name("svr", "Svay Rieng", "ស្វាយរៀង"),
    Name("tko", "Takeo", "តាកែវ"),
    Name("tbk", "Tbong Khmum", "ត្បូងឃ្មុំ"),
)

MPT = Name("mpt", "Ministry of Posts and Telecommunications", "ក្រសួងប្រៃសណីយ៍និងទូរគមនាគមន៍")

MINISTRIES: tuple[Name, ...] = (
    Name("moj", "Ministry of Justice", "ក្រសួងយុត្តិធម៌"),
    Name("moc", "Ministry of Commerce", "ក្រសួងពាណិជ្ជកម្ម"),
    Name("mowa", "Ministry of Women's Affairs", "ក្រសួងកិច្ចការនារី"),
    Name("mef", "Ministry of Economy and Finance", "ក្រសួងសេដ្ឋកិច្ចនិងហិរញ្ញវត្ថុ"),
    Name("moh", "Ministry of Health", "ក្រសួងសុខាភិបាល"),
    Name("moeys", "Ministry of Education, Youth and Sport", "ក្រសួងអប់រំ យុវជន និងកីឡា"),
    Name("moi", "Ministry of Interior", "ក្រសួងមហាផ្ទៃ"),
    Name("mnd", "Ministry of National Defence", "ក្រសួងការពារជាតិ"),
    Name("mfaic", "Ministry of Foreign Affairs and International Cooperation",
         "ក្រសួងការបរទេស និងសហប្រតិបត្តិការអន្តរជាតិ"),
    Name("mop", "Ministry of Planning", "ក្រសួងផែនការ"),
    Name("maff", "Ministry of Agriculture, Forestry and Fisheries", "ក្រសួងកសិកម្ម រុក្ខាប្រមាញ់ និងនេសាទ"),
    Name("mrd", "Ministry of Rural Development", "ក្រសួងអភិវឌ្ឍន៍ជនបទ"),
    Name("mot", "Ministry of Tourism", "ក្រសួងទេសចរណ៍"),
    Name("moinf", "Ministry of Information", "ក្រសួងព័ត៌មាន"),
    Name("mlvt", "Ministry of Labour and Vocational Training", "ក្រសួងការងារ និងបណ្តុះបណ្តាលវិជ្ជាជីវៈ"),
    Name("mosvy", "Ministry of Social Affairs, Veterans and Youth Rehabilitation",
         "ក្រសួងសង្គមកិច្ច អតីតយុទ្ធជន និងយុវនីតិសម្បទា"),
    Name("mpwt", "Ministry of Public Works and Transport", "ក្រសួងសាធារណការ និងដឹកជញ្ជូន"),
    Name("mlmupc", "Ministry of Land Management, Urban Planning and Construction",
         "ក្រសួងរៀបចំដែនដី នគរូបនីយកម្ម និងសំណង់"),
    Name("moe", "Ministry of Environment", "ក្រសួងបរិស្ថាន"),
    Name("mowram", "Ministry of Water Resources and Meteorology", "ក្រសួងធនធានទឹក និងឧតុនិយម"),
    Name("mme", "Ministry of Mines and Energy", "ក្រសួងរ៉ែ និងថាមពល"),
    Name("misti", "Ministry of Industry, Science, Technology and Innovation",
         "ក្រសួងឧស្សាហកម្ម វិទ្យាសាស្ត្រ បច្ចេកវិទ្យា និងនវានុវត្តន៍"),
    Name("mcfa", "Ministry of Culture and Fine Arts", "ក្រសួងវប្បធម៌ និងវិចិត្រសិល្បៈ"),
    Name("mcr", "Ministry of Cults and Religion", "ក្រសួងធម្មការ និងសាសនា"),
    Name("monasri", "Ministry of Relations with the National Assembly, Senate and Inspection",
         "ក្រសួងទំនាក់ទំនងជាមួយរដ្ឋសភា ព្រឹទ្ធសភា និងអធិការកិច្ច"),
    Name("mcs", "Ministry of Civil Service", "ក្រសួងមុខងារសាធារណៈ"),
    Name("ocm", "Office of the Council of Ministers", "ទីស្តីការគណៈរដ្ឋមន្ត្រី"),
    Name("nec", "National Election Committee", "គណៈកម្មាធិការជាតិរៀបចំការបោះឆ្នោត"),
    Name("nbc", "National Bank of Cambodia", "ធនាគារជាតិនៃកម្ពុជា"),
    Name("gdce", "General Department of Customs and Excise", "អគ្គនាយកដ្ឋានគយ និងរដ្ឋាករកម្ពុជា"),
    Name("gdt", "General Department of Taxation", "អគ្គនាយកដ្ឋានពន្ធដារ"),
    Name("acu", "Anti-Corruption Unit", "អង្គភាពប្រឆាំងអំពើពុករលួយ"),
    Name("cdc", "Council for the Development of Cambodia", "ក្រុមប្រឹក្សាអភិវឌ្ឍន៍កម្ពុជា"),
    Name("nis", "National Institute of Statistics", "វិទ្យាស្ថានជាតិស្ថិតិ"),
    Name("rac", "Royal Academy of Cambodia", "រាជបណ្ឌិត្យសភាកម្ពុជា"),
)
